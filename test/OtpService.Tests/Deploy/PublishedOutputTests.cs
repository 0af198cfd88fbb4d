using System.Globalization;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;
using OtpService.Local.Template;

namespace OtpService.Tests.Deploy;

/// <summary>
/// The folders <c>sam build</c> would zip (issue 5, items 3 and 4), built by running each
/// function's Makefile target exactly as SAM does (<see cref="SamBuildFixture"/>): the files the
/// managed dotnet10 runtime loads, every dependency, the handler loadable from the folder alone,
/// ReadyToRun code for linux-arm64, the runtime settings, and the size limit.
/// </summary>
public sealed class PublishedOutputTests : IClassFixture<SamBuildFixture>
{
    /// <summary>Lambda's limit on a function's unzipped deployment package (the API's own number).</summary>
    private const long UnzippedLimitBytes = 262_144_000;

    /// <summary>R2R images for Linux carry the target machine XOR-ed with this value in the PE header (.NET's "OS machine override").</summary>
    private const ushort LinuxMachineOverride = 0x7B79;

    private readonly SamBuildFixture _build;
    private readonly ITestOutputHelper _output;

    public PublishedOutputTests(SamBuildFixture build, ITestOutputHelper output)
    {
        _build = build;
        _output = output;
    }

    public static TheoryData<string> FunctionIds()
    {
        var data = new TheoryData<string>();
        foreach (var (id, _) in CfnTemplate.Load(RepositoryFiles.PathOf("template.yaml")).Resources("AWS::Serverless::Function"))
        {
            data.Add(id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void SamBuild_ProducesTheFilesTheManagedRuntimeLoads_AndEveryDependency(string id)
    {
        var f = Built(id);
        var assembly = AssemblyOf(f);
        foreach (var file in (string[])[$"{assembly}.dll", $"{assembly}.deps.json", $"{assembly}.runtimeconfig.json"])
        {
            Assert.True(File.Exists(Path.Combine(f.ArtifactsDir, file)), $"{id}: {file} is missing from the sam build output.");
        }

        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(f.ArtifactsDir, $"{assembly}.deps.json")))!;
        var targetName = deps["runtimeTarget"]?["name"]?.GetValue<string>() ?? "";
        Assert.True(targetName == ".NETCoreApp,Version=v10.0/linux-arm64", $"{id}: deps.json runtime target is '{targetName}', not .NET 10 for linux-arm64 (template: dotnet10, arm64).");

        var missing = new List<string>();
        var listed = 0;
        foreach (var (library, entry) in deps["targets"]![targetName]!.AsObject())
        {
            foreach (var (asset, _) in entry?["runtime"]?.AsObject() ?? [])
            {
                listed++;
                if (!File.Exists(Path.Combine(f.ArtifactsDir, Path.GetFileName(asset))))
                {
                    missing.Add($"{library}: {Path.GetFileName(asset)}");
                }
            }

            Assert.True(entry?["native"] is null, $"{id}: {library} brings native assets; check they are built for linux-arm64.");
        }

        Assert.True(missing.Count == 0, $"{id}: deps.json lists runtime files the package lacks: {string.Join(", ", missing)}");
        _output.WriteLine($"{id}: {listed} runtime assemblies listed in {assembly}.deps.json, all present.");
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void RuntimeConfig_TargetsTheDotnet10Framework_WithTheColdStartSettings(string id)
    {
        var f = Built(id);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(f.ArtifactsDir, $"{AssemblyOf(f)}.runtimeconfig.json")))!["runtimeOptions"]!;
        var frameworks = config["framework"] is { } one ? [one] : config["frameworks"]?.AsArray().ToList() ?? [];
        Assert.True(
            frameworks.Count == 1
            && frameworks[0]?["name"]?.GetValue<string>() == "Microsoft.NETCore.App"
            && frameworks[0]?["version"]?.GetValue<string>()?.StartsWith("10.", StringComparison.Ordinal) == true,
            $"{id}: runtimeconfig.json must name exactly the Microsoft.NETCore.App 10.x framework (the managed dotnet10 runtime provides it): {config.ToJsonString()}");

        var properties = config["configProperties"]?.AsObject() ?? [];
        bool? Flag(string name) => properties[name]?.GetValue<bool>();
        // The functions that read typed addresses need ICU for NFC and IDNA (the dotnet10 image has
        // libicu); the mailer reads stored ASCII keys only and starts without it.
        var readsTypedAddresses = AssemblyOf(f) is "GenerateOtp" or "VerifyOtp";
        Assert.True(Flag("System.Globalization.Invariant") == !readsTypedAddresses,
            $"{id}: System.Globalization.Invariant must be {!readsTypedAddresses} in runtimeconfig.json (ICU only where addresses are typed).");
        Assert.True(Flag("System.Runtime.TieredCompilation") == true, $"{id}: TieredCompilation must be on (ReadyToRun code is its first tier).");
        Assert.True(Flag("System.Runtime.TieredPGO") == false, $"{id}: TieredPGO must be off (see the function's csproj).");
        _output.WriteLine($"{id}: {string.Join(", ", properties.Select(p => $"{p.Key}={p.Value?.ToJsonString()}"))}");
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void MainAssemblies_CarryReadyToRunCodeForLinuxArm64(string id)
    {
        var f = Built(id);
        var report = new List<string>();
        foreach (var file in Directory.GetFiles(f.ArtifactsDir, "*.dll").Order(StringComparer.Ordinal))
        {
            using var pe = new PEReader(File.OpenRead(file));
            var r2r = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
            var machine = (ushort)pe.PEHeaders.CoffHeader.Machine;
            var arm64 = (machine ^ LinuxMachineOverride) == (ushort)Machine.Arm64;
            report.Add($"{Path.GetFileName(file)}: {(r2r ? "ReadyToRun" : "IL only")}{(arm64 ? " linux-arm64" : "")}");
            if (Path.GetFileName(file) == $"{AssemblyOf(f)}.dll" || Path.GetFileName(file) == "OtpService.Core.dll")
            {
                Assert.True(r2r, $"{id}: {Path.GetFileName(file)} has no ReadyToRun code (CorHeader.ManagedNativeHeaderDirectory is empty); the Makefile must publish with -p:PublishReadyToRun=true.");
                Assert.True(arm64, $"{id}: {Path.GetFileName(file)} is ReadyToRun for machine 0x{machine.ToString("X4", CultureInfo.InvariantCulture)}, not linux-arm64; the template runs it on arm64.");
            }
        }

        _output.WriteLine($"{id}: {string.Join("; ", report)}");
    }

    /// <summary>
    /// The handler, read from the exact published bytes. An x64 test host cannot load linux-arm64
    /// ReadyToRun images into an AssemblyLoadContext (the runtime refuses a foreign machine type
    /// with BadImageFormatException, from a path or a stream alike), so this reads their metadata
    /// with System.Reflection.Metadata instead, and resolves every assembly reference the way the
    /// host would, from the folder (listed in deps.json) or the shared framework, transitively.
    /// </summary>
    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void Handler_ResolvesFromThePublishedFolderAlone(string id)
    {
        var f = Built(id);
        var parts = f.Handler.Split("::");
        Assert.True(parts.Length == 3, $"{id}: Handler '{f.Handler}' is not Assembly::Type::Method.");
        var folder = new PublishedFolder(f.ArtifactsDir, parts[0]);

        var handler = folder.FindHandler(parts[1], parts[2]);
        Assert.True(handler.TypeFound, $"{id}: type {parts[1]} is not in the published {parts[0]}.dll.");
        Assert.True(handler.PublicConcrete, $"{id}: {parts[1]} must be public and not abstract in the published build.");
        Assert.True(handler.ParameterlessConstructor, $"{id}: {parts[1]} has no public parameterless constructor in the published build (Lambda creates it).");
        Assert.True(handler.Methods.Count == 1, $"{id}: {parts[1]} has {handler.Methods.Count} public methods named {parts[2]} in the published build; Lambda needs exactly one.");
        var signature = handler.Methods[0];
        Assert.True(signature.Parameters is ["System.IO.Stream"], $"{id}: {parts[2]} takes ({string.Join(", ", signature.Parameters)}), not (System.IO.Stream).");
        Assert.True(
            signature.Returns is "System.Threading.Tasks.Task`1<System.IO.Stream>" or "System.IO.Stream",
            $"{id}: {parts[2]} returns {signature.Returns}, not Task<Stream> or Stream.");

        var unresolved = folder.UnresolvedReferences();
        Assert.True(unresolved.Count == 0, $"{id}: references neither in the published folder nor in the shared framework: {string.Join("; ", unresolved)}");
        _output.WriteLine($"{id}: {parts[1]}.{parts[2]}({string.Join(", ", signature.Parameters)}) -> {signature.Returns}; resolved from the folder: {string.Join(", ", folder.ResolvedFromFolder)}; from the framework: {folder.ResolvedFromFramework.Count} assemblies.");
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void Package_StaysUnderLambdasUnzippedSizeLimit(string id)
    {
        var f = Built(id);
        var files = Directory.GetFiles(f.ArtifactsDir, "*", SearchOption.AllDirectories);
        var bytes = files.Sum(p => new FileInfo(p).Length);
        _output.WriteLine($"{id}: {files.Length} files, {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes ({(bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)} MiB) unzipped; Lambda allows {UnzippedLimitBytes.ToString("N0", CultureInfo.InvariantCulture)}.");
        foreach (var file in files.OrderByDescending(p => new FileInfo(p).Length))
        {
            _output.WriteLine($"  {new FileInfo(file).Length.ToString("N0", CultureInfo.InvariantCulture),12}  {Path.GetRelativePath(f.ArtifactsDir, file)}");
        }

        Assert.True(bytes < UnzippedLimitBytes, $"{id}: the package is {bytes} bytes unzipped; Lambda refuses more than {UnzippedLimitBytes}.");
    }

    private PublishedFunction Built(string id)
    {
        Assert.True(_build.Functions.TryGetValue(id, out var f), $"{id} was not built.");
        Assert.True(f!.ExitCode == 0, $"{id}: '{f.Command}' failed with exit code {f.ExitCode}:{Environment.NewLine}{f.Log}");
        return f;
    }

    private static string AssemblyOf(PublishedFunction f) => f.Handler.Split("::")[0];
}
