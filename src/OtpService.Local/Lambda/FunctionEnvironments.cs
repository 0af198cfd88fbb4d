using OtpService.Local.Template;

namespace OtpService.Local.Lambda;

/// <summary>
/// Each function's environment: its variables from an <c>--env-vars</c> file (only those the
/// template declares for it, as SAM CLI applies them) over the process environment.
/// </summary>
internal sealed class FunctionEnvironments
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> overrides = new(StringComparer.OrdinalIgnoreCase);

    private FunctionEnvironments()
    {
    }

    /// <summary>Notes for the user: what the file set and what SAM would ignore in it.</summary>
    public IReadOnlyList<string> Notes { get; private init; } = [];

    /// <summary>No file: every function reads the process environment.</summary>
    public static FunctionEnvironments ProcessOnly { get; } = new();

    /// <exception cref="InvalidOperationException">The file is unreadable or malformed.</exception>
    public static FunctionEnvironments From(string? envVarsPath, SamTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (envVarsPath is null)
        {
            return ProcessOnly;
        }

        var file = EnvVarsFile.Read(envVarsPath);
        var declared = template.DeclaredVariables();
        var notes = new List<string>();
        var result = new FunctionEnvironments { Notes = notes };
        foreach (var name in LambdaFunctions.Names)
        {
            var logicalId = template.FunctionLogicalId(name) ?? name;
            var (applied, ignored) = file.For(declared.GetValueOrDefault(logicalId) ?? new HashSet<string>(), logicalId, name);
            result.overrides[name] = applied;
            if (applied.Count > 0)
            {
                notes.Add($"{name}: {string.Join(", ", applied.Keys.Order(StringComparer.Ordinal))} from {file.Path}");
            }

            if (ignored.Count > 0)
            {
                notes.Add($"{name}: ignored {string.Join(", ", ignored)} (not declared for {logicalId} in template.yaml; sam local invoke ignores them too)");
            }
        }

        return result;
    }

    /// <summary>The variable lookup for one function.</summary>
    public Func<string, string?> For(string function)
    {
        var own = overrides.GetValueOrDefault(function);
        return own is null or { Count: 0 }
            ? Environment.GetEnvironmentVariable
            : name => own.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);
    }
}
