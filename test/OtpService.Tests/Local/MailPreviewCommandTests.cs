using OtpService.Local.Commands;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary><c>mail-preview</c>: the mail for a sample code written to files, with the built-in layout or a template folder checked as init checks it.</summary>
public sealed class MailPreviewCommandTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mail-preview-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static (int ExitCode, string Output, string Error) Run(MailPreviewOptions options, params (string Name, string Value)[] env)
    {
        var variables = env.ToDictionary(e => e.Name, e => e.Value);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = MailPreviewCommand.Run(options, name => variables.GetValueOrDefault(name), Now, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Parse_ReadsLocaleTemplateAndOut()
    {
        var options = Assert.IsType<MailPreviewOptions>(CommandLine.Parse(["mail-preview", "--locale", "ja", "--template", "mine", "--out", "there"]));

        Assert.Equal(("ja", "mine", "there"), (options.Locale, options.TemplateDirectory, options.OutputDirectory));
        Assert.Equal("en", Assert.IsType<MailPreviewOptions>(CommandLine.Parse(["mail-preview"])).Locale);
    }

    [Fact]
    public void WithoutTemplate_WritesTheBuiltInLayout_AndSaysWhere()
    {
        var folder = Path.Combine(root, "out");

        var (exit, output, _) = Run(new MailPreviewOptions("en") { OutputDirectory = folder }, ("OTP_APP_NAME", "Acme"));

        Assert.Equal(0, exit);
        Assert.Contains(folder, output, StringComparison.Ordinal);
        Assert.Equal("Your OTP (valid for only 2 mins)!\n", File.ReadAllText(Path.Combine(folder, "subject.txt")));
        var html = File.ReadAllText(Path.Combine(folder, "mail.html"));
        Assert.Contains(MailPreviewCommand.SampleCode, html, StringComparison.Ordinal);
        Assert.Contains("verify your login at Acme", html, StringComparison.Ordinal);
        Assert.Contains(MailPreviewCommand.SampleCode, File.ReadAllText(Path.Combine(folder, "mail.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public void WithTemplate_WritesItsMail()
    {
        Directory.CreateDirectory(Path.Combine(root, "tpl", "en"));
        File.WriteAllText(Path.Combine(root, "tpl", "en", "subject.liquid"), "{{ app_name }} {{ code }} {{ requested_at }}");
        var folder = Path.Combine(root, "out");

        var (exit, _, _) = Run(new MailPreviewOptions("en-GB") { TemplateDirectory = Path.Combine(root, "tpl"), OutputDirectory = folder });

        Assert.Equal(0, exit);
        Assert.Equal($"Simple Website {MailPreviewCommand.SampleCode} 2027-01-15T08:00:00Z\n", File.ReadAllText(Path.Combine(folder, "subject.txt")));
    }

    [Fact]
    public void WithABadTemplate_RefusesWithFileAndLine_AndWritesNothing()
    {
        Directory.CreateDirectory(Path.Combine(root, "tpl", "default"));
        File.WriteAllText(Path.Combine(root, "tpl", "default", "html.liquid"), "<p>\n{{ nope }}</p>");
        var folder = Path.Combine(root, "out");

        var (exit, _, error) = Run(new MailPreviewOptions("ja") { TemplateDirectory = Path.Combine(root, "tpl"), OutputDirectory = folder });

        Assert.Equal(1, exit);
        Assert.Contains("default/html.liquid line 2: unknown variable 'nope'", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }
}
