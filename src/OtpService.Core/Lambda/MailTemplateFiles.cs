using System.Text.RegularExpressions;
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>
/// Reads a deployer's mail templates at init (OTP_MAIL_TEMPLATES_DIR): one folder per locale
/// (a BCP 47 tag such as <c>ja</c> or <c>pt-BR</c>) or <c>default/</c>, each holding any of
/// <c>subject.liquid</c>, <c>html.liquid</c>, <c>text.liquid</c> (docs/mail.md). Everything is read
/// and parsed here, once; a bad template stops init with its file and line.
/// </summary>
public static partial class MailTemplateFiles
{
    /// <summary>The variable naming the folder: absolute, or relative to LAMBDA_TASK_ROOT (the package's root; the current directory where that is unset).</summary>
    public const string DirectoryVariable = "OTP_MAIL_TEMPLATES_DIR";

    /// <summary>Lambda's package root (AWS Lambda, "Defined runtime environment variables").</summary>
    public const string TaskRootVariable = "LAMBDA_TASK_ROOT";

    /// <summary>The file each part is read from.</summary>
    public static IReadOnlyDictionary<string, MailPart> FileNames { get; } = new Dictionary<string, MailPart>(StringComparer.Ordinal)
    {
        ["subject.liquid"] = MailPart.Subject,
        ["html.liquid"] = MailPart.Html,
        ["text.liquid"] = MailPart.Text,
    };

    /// <summary>Where <paramref name="setting"/> points: as it is when absolute, else under <paramref name="taskRoot"/> (or the current directory).</summary>
    public static string Resolve(string setting, string? taskRoot)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Path.GetFullPath(Path.IsPathRooted(setting) ? setting : Path.Combine(taskRoot ?? Directory.GetCurrentDirectory(), setting));
    }

    /// <summary>Reads and parses every template under <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder (absolute).</param>
    /// <param name="shownAs">How errors name it (the variable's value, so a message points at the deployer's own files).</param>
    /// <exception cref="InvalidOperationException">No such folder, a file or folder that is not a template, or a template that cannot be used; the message names the variable, the file and the line.</exception>
    public static MailTemplates Load(string directory, string shownAs)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw Refused($"'{shownAs}' is not a folder ({directory}).");
        }

        var sources = new List<MailTemplateSource>();
        if (Directory.GetFiles(directory).Order(StringComparer.Ordinal).FirstOrDefault() is { } file)
        {
            throw Refused($"{Shown(shownAs, Path.GetFileName(file))}: templates go in a folder per locale or in {MailTemplates.DefaultScope}/, e.g. {Shown(shownAs, MailTemplates.DefaultScope, "html.liquid")}.");
        }

        foreach (var folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            var scope = Path.GetFileName(folder);
            if (scope != MailTemplates.DefaultScope && !LanguageTag().IsMatch(scope))
            {
                throw Refused($"{Shown(shownAs, scope)}/: a folder is named after a BCP 47 tag (ja, pt-BR) or is {MailTemplates.DefaultScope}/.");
            }

            foreach (var entry in Directory.GetFileSystemEntries(folder).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(entry);
                if (!FileNames.TryGetValue(name, out var part) || !File.Exists(entry))
                {
                    throw Refused($"{Shown(shownAs, scope, name)}: not a template; a folder holds {string.Join(", ", FileNames.Keys)}.");
                }

                sources.Add(new MailTemplateSource(scope, part, Shown(shownAs, scope, name), File.ReadAllText(entry)));
            }
        }

        if (sources.Count == 0)
        {
            throw Refused($"'{shownAs}' holds no template (docs/mail.md).");
        }

        try
        {
            return MailTemplates.Parse(sources);
        }
        catch (MailTemplateException e)
        {
            throw Refused(e.Message, e);
        }
    }

    private static string Shown(string root, params string[] parts) => string.Join('/', [root.TrimEnd('/', '\\'), .. parts]);

    private static InvalidOperationException Refused(string problem, Exception? inner = null) =>
        new($"{DirectoryVariable}: {problem}", inner);

    /// <summary>RFC 5646's shape, loosely: a 2-8 letter language, then subtags of 1-8 letters or digits.</summary>
    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageTag();
}
