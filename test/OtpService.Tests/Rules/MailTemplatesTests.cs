using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>The mail's templates (MailTemplates): the built-in layout, a deployer's templates, and what init refuses.</summary>
public class MailTemplatesTests
{
    private static readonly MailText English = MailTexts.For(null, "Simple Website", 120);

    private static MailValues Values(string appName = "Simple Website", string address = "user@example.com") =>
        new("012345", address, appName, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static MailTemplateSource Source(MailPart part, string text, string scope = MailTemplates.DefaultScope, string? name = null) =>
        new(scope, part, name ?? $"mail/{scope}/{part.ToString().ToLowerInvariant()}.liquid", text);

    [Fact]
    public void EveryDocumentedVariable_IsFilled()
    {
        var template = string.Join("\n", MailTemplates.Variables.Select(v => $"{v}=[{{{{ {v} }}}}]"));
        var templates = MailTemplates.Parse([Source(MailPart.Text, template)]);

        var text = templates.Render(English, Values()).Text;

        foreach (var variable in MailTemplates.Variables)
        {
            Assert.Matches($"(?m)^{variable}=\\[[^\\]\\n]+\\]$", text);
        }

        Assert.Contains("code=[012345]", text, StringComparison.Ordinal);
        Assert.Contains("code_spaced=[0 1 2 3 4 5]", text, StringComparison.Ordinal);
        Assert.Contains("requested_at=[2027-01-15T08:00:00Z]", text, StringComparison.Ordinal);
        Assert.Contains("dir=[ltr]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryDocumentedVariable_IsInDocsMail()
    {
        var docs = File.ReadAllText(OtpService.Tests.Deploy.RepositoryFiles.PathOf("docs", "mail.md"));

        Assert.All(MailTemplates.Variables, v => Assert.Contains($"`{v}`", docs, StringComparison.Ordinal));
    }

    [Fact]
    public void BuiltInLayout_LeavesNoPlaceholder_AndCarriesLangDirAndTheSpokenCode()
    {
        var mail = MailTemplates.BuiltIn.Render(English with { Locale = "ar", RightToLeft = true }, Values());

        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<span role=\"img\" aria-label=\"0 1 2 3 4 5\">012345</span>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"color-scheme\" content=\"light dark\">", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", mail.Html + mail.Text + mail.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("{%", mail.Html + mail.Text + mail.Subject, StringComparison.Ordinal);
        // No tracking and nothing fetched: no image, no external URL at all.
        Assert.DoesNotContain("<img", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal($"{English.Intro}\n\n012345\n\n{English.Validity}", mail.Text.TrimEnd().ReplaceLineEndings("\n"));
        Assert.Equal(English.Subject, mail.Subject);
    }

    [Theory]
    [InlineData(MailPart.Html)]
    [InlineData(MailPart.Subject)]
    public void HtmlPart_EscapesAppNameAndAddress_WhateverTheTemplate(MailPart builtInOrNot)
    {
        var templates = builtInOrNot == MailPart.Html
            ? MailTemplates.BuiltIn
            : MailTemplates.Parse([Source(MailPart.Html, "<p>{{ app_name }} {{ address | upcase }} {{ intro }}</p>")]);
        const string app = "<b>Tom & Jerry</b>";
        const string address = "\"><script>x</script>@example.com";

        var mail = templates.Render(MailTexts.For(null, app, 120), Values(app, address));

        Assert.DoesNotContain("<b>Tom", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;", mail.Html, StringComparison.Ordinal);
        // The text part and the subject are not HTML: the name stays as written there.
        Assert.Contains(app, mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void HtmlPart_KeepsNonLatinLettersAsTheyAre()
    {
        var mail = MailTemplates.BuiltIn.Render(MailTexts.For(null, "日本語アプリ", 120), Values("日本語アプリ"));

        Assert.Contains("日本語アプリ", mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownVariable_IsRefusedAtParse_WithFileAndLine()
    {
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse(
            [Source(MailPart.Html, "<p>\n{{ intro }}\n<b>{{ cod }}</b>\n</p>", "ja", "tpl/ja/html.liquid")]));

        Assert.Equal("tpl/ja/html.liquid", error.File);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("tpl/ja/html.liquid line 3: unknown variable 'cod'", error.Message, StringComparison.Ordinal);
        // The deployer is told which names there are, one by one.
        Assert.Contains("the variables are code, code_spaced, lifetime, app_name,", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(docs/mail.md).", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("line one\n{% if code %}\nno end", 2)]
    [InlineData("a\nb\n{{ code | }}", 3)]
    [InlineData("{{ code \n", 1)]
    public void MalformedTemplate_IsRefusedAtParse_WithFileAndLine(string text, int line)
    {
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse([Source(MailPart.Text, text, name: "t/default/text.liquid")]));

        Assert.Equal("t/default/text.liquid", error.File);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void TemplateThatFailsOnlyWhenRun_IsRefusedAtParse()
    {
        // A filter given arguments it does not take parses, and fails when rendered: init renders once to find it.
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse(
            [Source(MailPart.Text, "x\n{{ requested_at | date: '%Y' }}", name: "t/default/text.liquid")]));

        Assert.Equal(2, error.Line);
    }

    [Theory]
    [InlineData("{% include 'other' %}", "include")]
    [InlineData("{% render 'other' %}", "render")]
    [InlineData("{{ include_join ['other'] ',' }}", "include_join")]
    public void IncludeRenderAndIncludeJoin_AreRefused_SayingWhy(string text, string name)
    {
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse([Source(MailPart.Html, text)]));

        Assert.Contains($"'{name}' is not available: a mail template cannot include other files.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameReadBeforeItIsAssigned_IsRefusedAtParse()
    {
        // The name is assigned in the template, so it is not unknown; init renders strictly, and the read comes first.
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse(
            [Source(MailPart.Text, "{{ code }}\n{{ greeting }}{% assign greeting = 'Hi' %}", name: "t/default/text.liquid")]));

        Assert.Equal(2, error.Line);
        Assert.Contains("greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameAssignedOnlyWhenRequestedAtIsKnown_RendersAsNothingWithoutIt_InEveryPart()
    {
        // Init's sample values have a requested_at, so init assigns "asked"; a mail without one must not fail on it.
        const string template = "{{ code }}{% if requested_at != \"\" %}{% capture asked %} asked {{ requested_at }}{% endcapture %}{% endif %}{{ asked }}";
        var templates = MailTemplates.Parse([Source(MailPart.Subject, template), Source(MailPart.Html, template), Source(MailPart.Text, template)]);

        var known = templates.Render(English, Values());
        var unknown = templates.Render(English, Values() with { RequestedAt = null });

        Assert.Equal("012345 asked 2027-01-15T08:00:00Z", known.Text);
        Assert.Equal(new RenderedMail("012345", "012345", "012345"), unknown);
    }

    [Fact]
    public void RequestedAt_NotKnown_IsEmpty()
    {
        var templates = MailTemplates.Parse([Source(MailPart.Text, "{{ code }} [{{ requested_at }}]")]);

        Assert.Equal("012345 []", templates.Render(English, Values() with { RequestedAt = null }).Text);
    }

    [Fact]
    public void EmptyInTheHtmlPart_WritesNothing()
    {
        // Liquid's empty is a value Scriban writes as no text at all; escaping must not turn it into something.
        var templates = MailTemplates.Parse([Source(MailPart.Html, "<p>[{{ empty }}]</p>")]);

        Assert.Equal("<p>[]</p>", templates.Render(English, Values()).Html);
    }

    [Fact]
    public void AssignedNamesAndLoops_AreNotUnknown()
    {
        var templates = MailTemplates.Parse([Source(MailPart.Text, "{% assign greeting = 'Hi' %}{% capture tail %}!{% endcapture %}{{ greeting }}{{ tail }} {% for d in (1..2) %}{{ d }}{{ forloop.index }}{% endfor %} {{ code | upcase }}")]);

        Assert.Equal("Hi! 1122 012345", templates.Render(English, Values()).Text);
    }

    [Fact]
    public void TablerowLoop_IsNotUnknown()
    {
        // Scriban's parser reads Liquid's tablerowloop.col as tablerow.col: neither is an unknown variable.
        var templates = MailTemplates.Parse([Source(MailPart.Html, "<table>{% tablerow d in (1..2) %}{{ d }}/{{ tablerowloop.col }}{% endtablerow %}</table>")]);

        Assert.Contains("<tr class=\"row2\"><td class=\"col1\">2/1</td></tr>", templates.Render(English, Values()).Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% for d in (1..5) limit: 2 %}{{ d }}{% endfor %}", "12")]
    [InlineData("{% for d in (1..5) offset: 3 %}{{ d }}{% endfor %}", "45")]
    [InlineData("{% for d in (1..3) reversed %}{{ d }}{% endfor %}", "321")]
    [InlineData("{% for d in (1..5) limit: 2 offset: 1 %}{{ d }}{% endfor %}", "23")]
    [InlineData("{% tablerow d in (1..3) cols: 2 %}{{ d }}{% endtablerow %}", "<tr class=\"row1\"><td class=\"col1\">1</td><td class=\"col2\">2</td></tr>")]
    public void LiquidLoopParameters_AreNotUnknownVariables(string text, string expected)
    {
        // limit, offset, reversed and cols are parameters of Liquid's loops, not variables to look up.
        var templates = MailTemplates.Parse([Source(MailPart.Text, text)]);

        Assert.Contains(expected, templates.Render(English, Values()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_IsOneLine()
    {
        var templates = MailTemplates.Parse([Source(MailPart.Subject, "{{ app_name }}\r\n  code\n{{ code }}\n")]);

        Assert.Equal("Simple Website code 012345", templates.Render(English, Values()).Subject);
    }

    [Fact]
    public void SubjectStartingWithALineBreak_HasNoLeadingSpace()
    {
        var templates = MailTemplates.Parse([Source(MailPart.Subject, "\n  {{ app_name }}")]);

        Assert.Equal("Simple Website", templates.Render(English, Values()).Subject);
    }

    public static TheoryData<string> EveryVariable() => [.. MailTemplates.Variables];

    [Theory]
    [MemberData(nameof(EveryVariable))]
    public void SubjectOfAnyOneVariable_IsTaken(string variable)
    {
        // Init renders on sample values and refuses an empty subject: no sample value may be empty.
        var templates = MailTemplates.Parse([Source(MailPart.Subject, $"{{{{ {variable} }}}}")]);

        Assert.NotEmpty(templates.Render(English, Values()).Subject);
    }

    [Fact]
    public void EmptySubject_IsRefused()
    {
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse([Source(MailPart.Subject, "{% if false %}x{% endif %}", name: "t/default/subject.liquid")]));

        Assert.Equal("t/default/subject.liquid line 1: the subject is empty.", error.Message);
    }

    [Fact]
    public void EachPart_FallsBackByLocale_ThenLanguage_ThenDefault_ThenBuiltIn()
    {
        var templates = MailTemplates.Parse(
        [
            Source(MailPart.Subject, "pt-BR subject", "pt-BR"),
            Source(MailPart.Subject, "pt subject", "pt"),
            Source(MailPart.Subject, "default subject"),
            Source(MailPart.Text, "pt text {{ code }}", "pt"),
        ]);

        Assert.Equal("pt-BR subject", templates.Render(English with { Locale = "pt-BR" }, Values()).Subject);
        Assert.Equal("pt subject", templates.Render(English with { Locale = "pt-PT" }, Values()).Subject);
        Assert.Equal("default subject", templates.Render(English with { Locale = "ja" }, Values()).Subject);
        Assert.Equal("pt text 012345", templates.Render(English with { Locale = "pt-PT" }, Values()).Text);
        // No html template anywhere: the built-in layout's.
        Assert.Contains("aria-label=\"0 1 2 3 4 5\"", templates.Render(English with { Locale = "pt" }, Values()).Html, StringComparison.Ordinal);
    }

    [Fact]
    public void SameScopeAndPartTwice_IsRefused_NamingTheSecondFileAndThePart()
    {
        var error = Assert.Throws<MailTemplateException>(() => MailTemplates.Parse(
            [Source(MailPart.Text, "a", "ja", "tpl/ja/text.liquid"), Source(MailPart.Text, "b", "JA", "other/JA/text.liquid")]));

        Assert.Equal("other/JA/text.liquid: a second Text template for 'JA'.", error.Message);
    }
}
