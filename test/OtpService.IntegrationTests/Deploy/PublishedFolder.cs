using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;

namespace OtpService.Tests.Deploy;

/// <summary>
/// A function's published folder read as metadata only (System.Reflection.Metadata, in the box):
/// works for ReadyToRun images of any machine type, which the running runtime would refuse to load.
/// References resolve as the host resolves them: an assembly listed in the folder's deps.json and
/// present in the folder, else the shared framework (Microsoft.NETCore.App of this test host, the
/// same major version as the dotnet10 managed runtime).
/// </summary>
public sealed class PublishedFolder
{
    private static readonly string FrameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private readonly string _folder;
    private readonly string _mainAssembly;
    private readonly HashSet<string> _listedInDeps;

    public PublishedFolder(string folder, string mainAssembly)
    {
        _folder = folder;
        _mainAssembly = mainAssembly;
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, $"{mainAssembly}.deps.json")))!;
        var target = deps["runtimeTarget"]?["name"]?.GetValue<string>() ?? "";
        _listedInDeps = (deps["targets"]?[target]?.AsObject() ?? [])
            .SelectMany(l => l.Value?["runtime"]?.AsObject().Select(a => Path.GetFileNameWithoutExtension(a.Key)) ?? [])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public List<string> ResolvedFromFolder { get; } = [];

    public List<string> ResolvedFromFramework { get; } = [];

    /// <summary>True when the main assembly has an entry point (a Main), so <c>dotnet exec</c> can run it.</summary>
    public bool HasEntryPoint()
    {
        using var pe = Open(_mainAssembly);
        return pe.PEHeaders.CorHeader?.EntryPointTokenOrRelativeVirtualAddress is > 0;
    }

    /// <summary>Every assembly reference, from the main assembly on through every assembly found in the folder, that resolves nowhere.</summary>
    public List<string> UnresolvedReferences()
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { _mainAssembly };
        var pending = new Queue<string>([_mainAssembly]);
        ResolvedFromFolder.Add(_mainAssembly);
        while (pending.TryDequeue(out var current))
        {
            using var pe = Open(current);
            var md = pe.GetMetadataReader();
            foreach (var rh in md.AssemblyReferences)
            {
                var reference = md.GetAssemblyReference(rh);
                var name = md.GetString(reference.Name);
                if (!seen.Add(name))
                {
                    continue;
                }

                var inFolder = Path.Combine(_folder, $"{name}.dll");
                var inFramework = Path.Combine(FrameworkDir, $"{name}.dll");
                if (File.Exists(inFolder) && _listedInDeps.Contains(name))
                {
                    if (VersionOf(inFolder) < reference.Version)
                    {
                        problems.Add($"{current} needs {name} {reference.Version}, the folder has {VersionOf(inFolder)}");
                    }

                    ResolvedFromFolder.Add(name);
                    pending.Enqueue(name);
                }
                else if (File.Exists(inFolder))
                {
                    problems.Add($"{name}.dll is in the folder but not in deps.json, so the host would not load it ({current} needs it)");
                }
                else if (File.Exists(inFramework) && VersionOf(inFramework) >= reference.Version)
                {
                    ResolvedFromFramework.Add(name);
                }
                else
                {
                    problems.Add($"{current} needs {name} {reference.Version}");
                }
            }
        }

        return problems;
    }

    private PEReader Open(string assemblyName) => new(File.OpenRead(Path.Combine(_folder, $"{assemblyName}.dll")));

    private static Version VersionOf(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        return pe.GetMetadataReader().GetAssemblyDefinition().Version;
    }
}
