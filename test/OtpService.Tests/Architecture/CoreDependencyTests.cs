using System.Reflection;
using NetArchTest.Rules;
using OtpService.Core.Otp;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// The dependency direction inside OtpService.Core (one assembly, folders as layers): the rules
/// (Otp) depend on nothing but their ports; adapters (Storage, Email, Aws, Api, Streams,
/// Contracts, Logging) may depend on the rules, never the other way; no two folders depend on
/// each other, directly or around a cycle.
/// </summary>
public class CoreDependencyTests
{
    private const string Root = "OtpService.Core";
    private static readonly Assembly Core = typeof(OtpIssuer).Assembly;

    /// <summary>Every folder of Core that holds types, found from the assembly, so a new folder is checked too.</summary>
    private static readonly string[] Folders = Core.GetTypes()
        .Select(t => t.Namespace)
        .Where(n => n is not null && n.StartsWith(Root + ".", StringComparison.Ordinal))
        .Select(n => n!.Split('.')[2])
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static TheoryData<string, string[]> LeafFolders => new()
    {
        // The rules: their ports and the platform only. No AWS SDK, no adapter, no event contract.
        { "Otp", ["Ports"] },
        { "Ports", [] },
        { "Contracts", [] },
        { "Logging", [] },
    };

    [Theory]
    [MemberData(nameof(LeafFolders))]
    public void Folder_DependsOnlyOnWhatItMay(string folder, string[] allowed)
    {
        var forbidden = Folders.Where(f => f != folder && !allowed.Contains(f)).Select(f => $"{Root}.{f}").Append("Amazon").ToArray();

        var result = Types.InAssembly(Core).That().ResideInNamespace($"{Root}.{folder}")
            .Should().NotHaveDependencyOnAny(forbidden).GetResult();

        Assert.True(result.IsSuccessful, $"{Root}.{folder} may depend only on [{string.Join(", ", allowed)}]; these types reach further: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Folders_FormNoCycle()
    {
        var edges = Folders.ToDictionary(f => f, f => Folders.Where(g => g != f && DependsOn(f, g)).ToList(), StringComparer.Ordinal);

        var cycle = FindCycle(edges);

        Assert.True(cycle is null, $"OtpService.Core's folders depend on each other in a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void Folders_AreFoundAndTheRulesAreAmongThem()
    {
        // Guards the two tests above against checking nothing (a renamed root namespace, say).
        Assert.Contains("Otp", Folders);
        Assert.Contains("Storage", Folders);
        Assert.True(DependsOn("Storage", "Ports"), "the dependency probe should see Storage use the store port");
    }

    [Fact]
    public void OneTypeIsNamedOtpTable_AcrossTheProductAssemblies()
    {
        Assembly[] product =
        [
            Core,
            typeof(GenerateOtp.Function).Assembly,
            typeof(SendOtpEmail.Function).Assembly,
            typeof(VerifyOtp.Function).Assembly,
            typeof(OtpService.Local.Emulators.LocalTable).Assembly,
            Assembly.Load("bootstrap"),
        ];

        var named = product.SelectMany(a => a.GetTypes()).Where(t => t.Name == "OtpTable").Select(t => t.FullName).ToList();

        Assert.Single(named);
    }

    private static bool DependsOn(string folder, string other) =>
        !Types.InAssembly(Core).That().ResideInNamespace($"{Root}.{folder}")
            .ShouldNot().HaveDependencyOn($"{Root}.{other}").GetResult().IsSuccessful;

    /// <summary>A depth-first search for a back edge; returns the folders around the first cycle, or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, List<string>> edges)
    {
        var state = edges.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal); // 0 new, 1 on the path, 2 done
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges[node])
            {
                if (state[next] == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }

                if (state[next] == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        foreach (var node in edges.Keys)
        {
            if (state[node] == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }
}
