using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace OtpService.Core.Rules;

/// <summary>
/// The mail's layout: Liquid templates for the subject, the HTML part and the text part, per locale,
/// parsed once (at init) and rendered for each mail. <see cref="BuiltIn"/> is the default layout;
/// <see cref="Parse"/> adds a deployer's templates in front of it (docs/mail.md). The engine is Scriban
/// in its Liquid mode (the one served engine with no Native AOT or trimming warning); every
/// <c>{{ value }}</c> of the HTML part is HTML-escaped by <see cref="MailContext"/>. Pure: the Lambda
/// layer reads the files and hands their text in.
/// </summary>
public sealed class MailTemplates
{
    /// <summary>The scope of templates used for every locale that has none of its own (the folder <c>default/</c>).</summary>
    public const string DefaultScope = "default";

    /// <summary>Every variable a template may use (docs/mail.md describes each).</summary>
    public static IReadOnlyList<string> Variables { get; } =
        ["code", "code_spaced", "lifetime", "app_name", "address", "locale", "dir", "requested_at", "subject", "intro", "validity"];

    /// <summary>Liquid's filters and Scriban's built-in objects, less those that read files (a template includes nothing).</summary>
    private static readonly HashSet<string> Builtins = BuiltinNames();

    /// <summary>Escapes markup (<c>&lt; &gt; &amp; " '</c>) and leaves every script's letters as they are, so a Japanese mail stays small and readable.</summary>
    private static readonly HtmlEncoder HtmlEscaper = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly Dictionary<string, Template> templates;
    private readonly MailTemplates? fallback;

    private MailTemplates(Dictionary<string, Template> templates, MailTemplates? fallback)
    {
        this.templates = templates;
        this.fallback = fallback;
    }

    /// <summary>The default layout (src/OtpService.Core/Rules/MailLayout/*.liquid): tables and inline styles, light and dark, every locale.</summary>
    public static MailTemplates BuiltIn { get; } = LoadBuiltIn();

    /// <summary>
    /// A deployer's templates, each part looked up by locale (the exact tag, then its language, then
    /// <see cref="DefaultScope"/>), then the built-in layout's.
    /// </summary>
    /// <param name="sources">Any number of templates; at most one per scope and part.</param>
    /// <exception cref="MailTemplateException">A template is malformed, names an unknown variable, fails on sample values, or repeats a scope and part; the message names the template and line.</exception>
    public static MailTemplates Parse(IEnumerable<MailTemplateSource> sources) => Parse(sources, BuiltIn);

    /// <summary>The mail for <paramref name="words"/> and <paramref name="values"/>.</summary>
    public RenderedMail Render(MailText words, MailValues values)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(values);
        var globals = Globals(words, values);
        return new RenderedMail(
            OneLine(RenderPart(Find(words.Locale, MailPart.Subject), globals, MailPart.Subject, strict: false)),
            RenderPart(Find(words.Locale, MailPart.Html), globals, MailPart.Html, strict: false),
            RenderPart(Find(words.Locale, MailPart.Text), globals, MailPart.Text, strict: false));
    }

    private static MailTemplates Parse(IEnumerable<MailTemplateSource> sources, MailTemplates? fallback)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var parsed = new Dictionary<string, Template>(StringComparer.OrdinalIgnoreCase);
        foreach (var source in sources)
        {
            var template = Template.ParseLiquid(source.Text, source.Name);
            if (template.HasErrors)
            {
                var error = template.Messages.First(m => m.Type == ParserMessageType.Error);
                throw new MailTemplateException(source.Name, error.Span.Start.Line + 1, error.Message);
            }

            CheckVariables(template, source.Name);
            CheckRenders(template, source);
            if (!parsed.TryAdd(Key(source.Scope, source.Part), template))
            {
                throw new MailTemplateException($"{source.Name}: a second {source.Part} template for '{source.Scope}'.");
            }
        }

        return new MailTemplates(parsed, fallback);
    }

    private Template Find(string locale, MailPart part)
    {
        var language = locale.Split('-')[0];
        foreach (var scope in new[] { locale, language, DefaultScope })
        {
            if (templates.TryGetValue(Key(scope, part), out var template))
            {
                return template;
            }
        }

        return fallback?.Find(locale, part) ?? throw new InvalidOperationException($"No {part} template, not even the built-in one.");
    }

    private static string Key(string scope, MailPart part) => string.Create(CultureInfo.InvariantCulture, $"{scope}/{part}");

    private static ScriptObject Globals(MailText words, MailValues values)
    {
        var globals = new ScriptObject
        {
            ["code"] = values.Code,
            // Spaced digits: a screen reader reads "0 1 2 3" digit by digit, not as a number.
            ["code_spaced"] = string.Join(' ', values.Code.ToCharArray()),
            ["lifetime"] = words.Lifetime,
            ["app_name"] = values.AppName,
            ["address"] = values.Address,
            ["locale"] = words.Locale,
            ["dir"] = words.RightToLeft ? "rtl" : "ltr",
            ["requested_at"] = values.RequestedAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "",
            ["subject"] = words.Subject,
            ["intro"] = words.Intro,
            ["validity"] = words.Validity,
        };
        return globals;
    }

    private static string RenderPart(Template template, ScriptObject globals, MailPart part, bool strict)
    {
        var context = new MailContext(escapeHtml: part == MailPart.Html) { StrictVariables = strict };
        context.PushGlobal(globals);
        return template.Render(context);
    }

    /// <summary>A subject is one header line: line breaks and runs of spaces become one space.</summary>
    private static string OneLine(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            // No-break spaces stay: French puts one before "!" and it must not break there.
            if ((char.IsWhiteSpace(c) && c is not ('\u00A0' or '\u202F' or '\u2007')) || char.IsControl(c))
            {
                if (builder.Length > 0 && builder[^1] != ' ')
                {
                    builder.Append(' ');
                }
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>Every name the template reads must be a documented variable, a Liquid filter, or one it assigns itself.</summary>
    private static void CheckVariables(Template template, string name)
    {
        var all = new List<ScriptVariable>();
        Collect(template.Page, all);
        // Liquid's forloop.index and tablerowloop.col: Scriban's parser names them for.index and tablerow.col.
        var assigned = new HashSet<string>(StringComparer.Ordinal) { "for", "tablerow" };
        foreach (var variable in all)
        {
            if (IsDefinition(variable))
            {
                assigned.Add(variable.Name);
            }
        }

        foreach (var variable in all)
        {
            if (variable is not ScriptVariableGlobal || IsMemberName(variable) || assigned.Contains(variable.Name)
                || Variables.Contains(variable.Name) || Builtins.Contains(variable.Name))
            {
                continue;
            }

            var line = variable.Span.Start.Line + 1;
            throw variable.Name is "include" or "include_join" or "render"
                ? new MailTemplateException(name, line, $"'{variable.Name}' is not available: a mail template cannot include other files.")
                : new MailTemplateException(name, line, $"unknown variable '{variable.Name}'; the variables are {string.Join(", ", Variables)} (docs/mail.md).");
        }
    }

    private static void Collect(ScriptNode? node, List<ScriptVariable> into)
    {
        if (node is null)
        {
            return;
        }

        if (node is ScriptVariable variable)
        {
            into.Add(variable);
        }

        for (var i = 0; i < node.ChildrenCount; i++)
        {
            Collect(node.GetChildren(i), into);
        }
    }

    private static bool IsDefinition(ScriptVariable variable) => variable.Parent switch
    {
        ScriptAssignExpression assign => ReferenceEquals(assign.Target, variable),
        ScriptCaptureStatement capture => ReferenceEquals(capture.Target, variable),
        ScriptForStatement loop => ReferenceEquals(loop.Variable, variable),
        _ => false,
    };

    // A member's name (code.size) and a loop parameter's name (limit:, offset:, reversed, cols:) are not looked up.
    private static bool IsMemberName(ScriptVariable variable) => variable.Parent switch
    {
        ScriptMemberExpression member => ReferenceEquals(member.Member, variable),
        ScriptNamedArgument argument => ReferenceEquals(argument.Name, variable),
        _ => false,
    };

    /// <summary>Renders once on sample values, strictly, so what fails only at run time (a filter's arguments, say) fails here, at init.</summary>
    private static void CheckRenders(Template template, MailTemplateSource source)
    {
        var words = new MailText("en", RightToLeft: false, "Your OTP (valid for only 2 mins)!", "Use this code to verify your login at Example",
            "The code is valid for 2 mins. If you did not ask for it, ignore this mail.", "2 mins");
        string rendered;
        try
        {
            rendered = RenderPart(template, Globals(words, new MailValues("012345", "user@example.com", "Example", DateTimeOffset.UnixEpoch)), source.Part, strict: true);
        }
        catch (ScriptRuntimeException e)
        {
            throw new MailTemplateException(source.Name, e.Span.Start.Line + 1, e.OriginalMessage);
        }

        if (source.Part == MailPart.Subject && OneLine(rendered).Length == 0)
        {
            throw new MailTemplateException(source.Name, 1, "the subject is empty.");
        }
    }

    private static HashSet<string> BuiltinNames()
    {
        var names = new HashSet<string>(new LiquidTemplateContext().BuiltinObject.GetMembers(), StringComparer.Ordinal);
        names.Remove("include");
        names.Remove("include_join");
        return names;
    }

    private static MailTemplates LoadBuiltIn()
    {
        var assembly = typeof(MailTemplates).Assembly;
        var sources = new List<MailTemplateSource>();
        foreach (var (part, file) in new[] { (MailPart.Subject, "subject.liquid"), (MailPart.Html, "html.liquid"), (MailPart.Text, "text.liquid") })
        {
            using var stream = assembly.GetManifestResourceStream($"OtpService.Core.MailLayout.{file}")
                ?? throw new InvalidOperationException($"The built-in mail layout's {file} is not in the assembly.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            sources.Add(new MailTemplateSource(DefaultScope, part, $"src/OtpService.Core/Rules/MailLayout/{file}", reader.ReadToEnd()));
        }

        return Parse(sources, fallback: null);
    }

    /// <summary>
    /// Liquid's context, writing every value an expression outputs HTML-escaped in the HTML part (the
    /// template's own markup is written as it is). Scriban has no escaping mode of its own; its output
    /// of a value goes through <see cref="TemplateContext.Write(SourceSpan, object)"/>, so escaping there
    /// covers every <c>{{ }}</c>, whatever filter made the value. Only synchronous rendering is used
    /// (<see cref="RenderPart"/>), so Scriban's asynchronous write path is not overridden.
    /// </summary>
    private sealed class MailContext(bool escapeHtml) : LiquidTemplateContext
    {
        public override TemplateContext Write(SourceSpan span, object? textAsObject)
        {
            if (!escapeHtml || textAsObject is null)
            {
                return base.Write(span, textAsObject!);
            }

            Write(HtmlEscaper.Encode(ObjectToString(textAsObject) ?? ""));
            return this;
        }
    }
}
