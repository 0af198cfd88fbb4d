using System.Globalization;
using System.Text.Json;

namespace OtpService.Local.Lambda;

/// <summary>
/// A <c>sam local invoke --env-vars</c> file: <c>{"Parameters": {VAR: value}, "&lt;FunctionLogicalId&gt;": {VAR: value}}</c>.
/// As in SAM CLI, a variable applies to a function only when template.yaml declares it for that
/// function (in Globals or the function); a function's own section wins over <c>Parameters</c>.
/// Values may be strings, numbers or booleans. Source:
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-invoke.html#serverless-sam-cli-using-invoke-environment-file
/// </summary>
internal sealed class EnvVarsFile
{
    private readonly Dictionary<string, Dictionary<string, string>> sections;

    private EnvVarsFile(Dictionary<string, Dictionary<string, string>> sections, string path)
    {
        this.sections = sections;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Reads the file (a relative path is from the current directory, where the user ran the command).</summary>
    /// <exception cref="InvalidOperationException">Unreadable, not JSON, or not of that shape; the message names the file and the place.</exception>
    public static EnvVarsFile Read(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(full));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new InvalidOperationException($"Cannot read the env-vars file '{full}': {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidOperationException($"{full}: must be a JSON object of sections (\"Parameters\", function logical ids).");
            }

            var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var section in doc.RootElement.EnumerateObject())
            {
                if (section.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidOperationException($"{full}: section \"{section.Name}\" must be an object of variables.");
                }

                var variables = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var variable in section.Value.EnumerateObject())
                {
                    variables[variable.Name] = variable.Value.ValueKind switch
                    {
                        JsonValueKind.String => variable.Value.GetString()!,
                        JsonValueKind.Number => variable.Value.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => throw new InvalidOperationException(
                            string.Create(CultureInfo.InvariantCulture, $"{full}: \"{section.Name}\".\"{variable.Name}\" must be a string, number or boolean.")),
                    };
                }

                sections[section.Name] = variables;
            }

            return new EnvVarsFile(sections, full);
        }
    }

    /// <summary>
    /// The variables that apply to one function: <paramref name="declared"/> are the names the
    /// template declares for it; <paramref name="sectionNames"/> its logical id and runner name.
    /// Also returns the names the file sets for it that SAM would ignore (not declared).
    /// </summary>
    public (IReadOnlyDictionary<string, string> Applied, IReadOnlyList<string> Ignored) For(IReadOnlySet<string> declared, params string[] sectionNames)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new SortedSet<string>(StringComparer.Ordinal);
        var ordered = new List<Dictionary<string, string>>();
        if (sections.TryGetValue("Parameters", out var all))
        {
            ordered.Add(all);
        }

        ordered.AddRange(sectionNames.Where(sections.ContainsKey).Select(n => sections[n]));
        foreach (var section in ordered)
        {
            foreach (var (name, value) in section)
            {
                if (declared.Contains(name))
                {
                    applied[name] = value;
                }
                else
                {
                    ignored.Add(name);
                }
            }
        }

        return (applied, ignored.ToList());
    }
}
