using System.Reflection;
using NetArchTest.Rules;
using OtpService.Core.Rules;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// OtpService.Core is one assembly in four layers, each a folder and a namespace, each using only
/// the layers before it: Rules (the behaviour and its ports; no I/O, no AWS types) &lt;- Tokens
/// (the signed proof) &lt;- Aws (every adapter and the plumbing they share) &lt;- Lambda (events in,
/// answers out, configuration, wiring, logs and metrics). README's "Where things are" states the
/// same four rows.
/// </summary>
public class CoreDependencyTests
{
    private const string Root = "OtpService.Core";
    private static readonly Assembly Core = typeof(OtpIssuer).Assembly;

    /// <summary>The layers in order: each may use those before it and nothing after it.</summary>
    private static readonly string[] Layers = ["Rules", "Tokens", "Aws", "Lambda"];

    /// <summary>
    /// What a layer may not touch besides the layers after it: the AWS SDK below Aws, HTTP below Aws, and the
    /// environment below Lambda (Lambda's ServiceConfiguration reads every variable once and passes records down).
    /// </summary>
    public static TheoryData<string, string[]> LayerRows => new()
    {
        { "Rules", ["Amazon", "System.Net.Http", "Microsoft.IdentityModel", "System.Environment"] },
        { "Tokens", ["Amazon", "System.Net.Http", "System.Environment"] },
        { "Aws", ["System.Environment"] },
        { "Lambda", [] },
    };

    [Theory]
    [MemberData(nameof(LayerRows))]
    public void Layer_UsesOnlyTheLayersBeforeIt(string layer, string[] alsoForbidden)
    {
        var later = Layers.SkipWhile(l => l != layer).Skip(1).Select(l => $"{Root}.{l}");
        var forbidden = later.Concat(alsoForbidden).ToArray();

        var result = forbidden.Length == 0
            ? null
            : Types.InAssembly(Core).That().ResideInNamespace($"{Root}.{layer}")
                .Should().NotHaveDependencyOnAny(forbidden).GetResult();

        Assert.True(result?.IsSuccessful ?? true, $"{Root}.{layer} may not use [{string.Join(", ", forbidden)}]; these types do: {string.Join(", ", result?.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void EveryCoreType_IsInOneOfTheFourLayers()
    {
        var outside = Core.GetTypes()
            .Where(t => !t.IsNested && t.Namespace is { } n && n.StartsWith(Root, StringComparison.Ordinal)
                        && !t.Name.StartsWith('<') && !t.Name.Contains("__", StringComparison.Ordinal)
                        && !Layers.Any(l => n == $"{Root}.{l}"))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(outside.Count == 0, $"types outside Rules/Tokens/Aws/Lambda: {string.Join(", ", outside)}");
    }

    [Fact]
    public void EachLayerFolder_HoldsOnlyItsNamespace()
    {
        var core = RepositoryFiles.PathOf("src", "OtpService.Core");
        var misplaced = new List<string>();
        foreach (var file in Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(core, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(relative) ?? "";
            var expected = $"namespace {Root}.{folder};";
            if (!Layers.Contains(folder) || !File.ReadLines(file).Any(line => line == expected))
            {
                misplaced.Add(relative);
            }
        }

        Assert.True(misplaced.Count == 0, $"Core files outside a layer folder, or declaring another layer's namespace: {string.Join(", ", misplaced)}");
    }

    [Fact]
    public void TheProbe_SeesKnownDependencies()
    {
        // Guards the tests above against checking nothing (a renamed root namespace, say).
        Assert.True(DependsOn("Aws", "Rules"), "the probe should see the DynamoDB store (Aws) implement the store port (Rules)");
        Assert.True(DependsOn("Lambda", "Aws"), "the probe should see the composition (Lambda) build the adapters (Aws)");
        Assert.True(DependsOn("Tokens", "Rules"), "the probe should see the token issuer (Tokens) implement its port (Rules)");
        Assert.True(DependsOn("Lambda", "System.Environment", prefixed: false), "the probe should see the configuration read (Lambda) use System.Environment");
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

    private static bool DependsOn(string layer, string other, bool prefixed = true) =>
        !Types.InAssembly(Core).That().ResideInNamespace($"{Root}.{layer}")
            .ShouldNot().HaveDependencyOn(prefixed ? $"{Root}.{other}" : other).GetResult().IsSuccessful;
}
