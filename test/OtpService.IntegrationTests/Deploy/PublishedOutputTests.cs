using System.Globalization;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OtpService.Local.Template;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Deploy;

/// <summary>
/// The folders <c>sam build</c> would zip for template.yaml, built by running each function's
/// Makefile target as SAM does (<see cref="SamBuildFixture"/>, for this machine's RID): what
/// <c>dotnet exec &lt;Handler&gt;.dll</c> needs, every dependency, ReadyToRun code, the runtime
/// settings, the file list docs/deploy.md gives, and the size limit; and that each Makefile builds
/// for the template's architecture unless told otherwise.
/// </summary>
[Collection(PublishedPackages.Name)]
public sealed partial class PublishedOutputTests(SamBuildFixture build, ITestOutputHelper output)
{
    /// <summary>Lambda's limit on a function's unzipped deployment package (the API's own number).</summary>
    private const long UnzippedLimitBytes = 262_144_000;

    /// <summary>R2R images for Linux carry the target machine XOR-ed with this value in the PE header (.NET's "OS machine override").</summary>
    private const ushort LinuxMachineOverride = 0x7B79;

    public static TheoryData<string> FunctionIds()
    {
        var data = new TheoryData<string>();
        foreach (var (id, _) in CfnTemplate.Load(RepositoryFiles.PathOf(SamBuildFixture.ManagedTemplate)).Resources("AWS::Serverless::Function"))
        {
            data.Add(id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void Package_HoldsWhatDotnetExecNeeds_AndEveryDependency(string id)
    {
        var f = Built(id);
        var assembly = f.Handler;
        foreach (var file in (string[])[$"{assembly}.dll", $"{assembly}.deps.json", $"{assembly}.runtimeconfig.json"])
        {
            Assert.True(File.Exists(Path.Combine(f.ArtifactsDir, file)), $"{id}: {file} is missing from the sam build output.");
        }

        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(f.ArtifactsDir, $"{assembly}.deps.json")))!;
        var targetName = deps["runtimeTarget"]?["name"]?.GetValue<string>() ?? "";
        Assert.True(targetName == $".NETCoreApp,Version=v10.0/{SamBuildFixture.MachineRid}", $"{id}: deps.json runtime target is '{targetName}', not .NET 10 for {SamBuildFixture.MachineRid}.");

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
        output.WriteLine($"{id}: {listed} runtime assemblies listed in {assembly}.deps.json, all present.");
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void RuntimeConfig_TargetsTheDotnet10Framework_WithTheColdStartSettings(string id)
    {
        var f = Built(id);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(f.ArtifactsDir, $"{f.Handler}.runtimeconfig.json")))!["runtimeOptions"]!;
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
        var readsTypedAddresses = f.Handler is "GenerateOtp" or "VerifyOtp";
        Assert.True(Flag("System.Globalization.Invariant") == !readsTypedAddresses,
            $"{id}: System.Globalization.Invariant must be {!readsTypedAddresses} in runtimeconfig.json (ICU only where addresses are typed).");
        Assert.True(Flag("System.Runtime.TieredCompilation") == true, $"{id}: TieredCompilation must be on (ReadyToRun code is its first tier).");
        Assert.True(Flag("System.Runtime.TieredPGO") == false, $"{id}: TieredPGO must be off (see the function's csproj).");
        output.WriteLine($"{id}: {string.Join(", ", properties.Select(p => $"{p.Key}={p.Value?.ToJsonString()}"))}");
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void MainAssemblies_CarryReadyToRunCode_ForTheRidTheyWereBuiltFor(string id)
    {
        var f = Built(id);
        var expected = SamBuildFixture.MachineRid == "linux-arm64" ? Machine.Arm64 : Machine.Amd64;
        var report = new List<string>();
        foreach (var file in Directory.GetFiles(f.ArtifactsDir, "*.dll").Order(StringComparer.Ordinal))
        {
            using var pe = new PEReader(File.OpenRead(file));
            var r2r = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
            var machine = (ushort)pe.PEHeaders.CoffHeader.Machine;
            var matches = (machine ^ LinuxMachineOverride) == (ushort)expected;
            report.Add($"{Path.GetFileName(file)}: {(r2r ? "ReadyToRun" : "IL only")}{(matches ? $" {SamBuildFixture.MachineRid}" : "")}");
            if (Path.GetFileName(file) == $"{f.Handler}.dll" || Path.GetFileName(file) == "OtpService.Core.dll")
            {
                Assert.True(r2r, $"{id}: {Path.GetFileName(file)} has no ReadyToRun code (CorHeader.ManagedNativeHeaderDirectory is empty); the Makefile must publish with -p:PublishReadyToRun=true.");
                Assert.True(matches, $"{id}: {Path.GetFileName(file)} is ReadyToRun for machine 0x{machine.ToString("X4", CultureInfo.InvariantCulture)}, not {SamBuildFixture.MachineRid}, the RID it was built for.");
            }
        }

        output.WriteLine($"{id}: {string.Join("; ", report)}");
    }

    /// <summary>
    /// The Handler is the executable form: AWS's bootstrap.sh finds <c>&lt;Handler&gt;.dll</c> and runs
    /// <c>dotnet exec</c> on it, so it must have a Main; every assembly it references resolves from the
    /// folder (listed in its deps.json) or the shared framework. Read as metadata, so it works for any RID.
    /// </summary>
    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void Handler_IsAnExecutableAssembly_ThatStartsFromThePublishedFolderAlone(string id)
    {
        var f = Built(id);
        var command = LambdaLaunch.For(f.Runtime, f.Handler, f.ArtifactsDir, LambdaLaunch.Dotnet);
        Assert.True(command.Form == "executable", $"{id}: Handler '{f.Handler}' launches as {command.Form} ({command}); it must be the executable form.");

        var folder = new PublishedFolder(f.ArtifactsDir, f.Handler);
        Assert.True(folder.HasEntryPoint(), $"{id}: {f.Handler}.dll has no entry point; dotnet exec cannot run it.");
        var unresolved = folder.UnresolvedReferences();
        Assert.True(unresolved.Count == 0, $"{id}: references neither in the published folder nor in the shared framework: {string.Join("; ", unresolved)}");
        output.WriteLine($"{id}: {command}; resolved from the folder: {string.Join(", ", folder.ResolvedFromFolder)}; from the framework: {folder.ResolvedFromFramework.Count} assemblies.");
    }

    /// <summary>docs/deploy.md's package inventory names every file of each package, and no other.</summary>
    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void Package_HoldsExactlyTheFilesDocsDeployMdLists(string id)
    {
        var f = Built(id);
        var documented = DocumentedInventory().Select(file => file.Replace("<Function>", f.Handler, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var actual = Directory.GetFiles(f.ArtifactsDir, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(f.ArtifactsDir, p)).Order(StringComparer.Ordinal).ToList();

        Assert.True(documented.SequenceEqual(actual),
            $"{id}: docs/deploy.md lists [{string.Join(", ", documented)}]; the package holds [{string.Join(", ", actual)}]. "
            + $"Missing from the docs: [{string.Join(", ", actual.Except(documented))}]; not in the package: [{string.Join(", ", documented.Except(actual))}].");
    }

    /// <summary>
    /// Each Makefile builds for the template's architecture (arm64: linux-arm64) unless the caller
    /// passes RID (the tests build for this machine), and publishes framework-dependent ReadyToRun.
    /// </summary>
    [Fact]
    public void Makefiles_BuildForTheTemplatesArchitecture_ByDefault()
    {
        var template = CfnTemplate.Load(RepositoryFiles.PathOf(SamBuildFixture.ManagedTemplate));
        var architecture = Assert.Single(template.Root["Globals"]!["Function"]!["Architectures"]!.Items).Value;
        var rid = architecture switch
        {
            "arm64" => "linux-arm64",
            "x86_64" => "linux-x64",
            _ => throw new InvalidOperationException($"Architecture {architecture}"),
        };
        foreach (var (id, function) in template.Resources("AWS::Serverless::Function"))
        {
            var makefile = File.ReadAllText(RepositoryFiles.PathOf(function["Metadata"]!["ContextPath"]!.Value!, "Makefile"));
            Assert.Matches($@"(?m)^RID \?= {Regex.Escape(rid)}$", makefile);
            Assert.Matches($@"(?m)^build-{id}:\n\tdotnet publish \S+\.csproj --configuration Release --runtime \$\(RID\) --self-contained false -p:PublishReadyToRun=true --output ""\$\(ARTIFACTS_DIR\)""$", makefile);
        }
    }

    [Theory]
    [MemberData(nameof(FunctionIds))]
    public void Package_StaysUnderLambdasUnzippedSizeLimit(string id)
    {
        var f = Built(id);
        var files = Directory.GetFiles(f.ArtifactsDir, "*", SearchOption.AllDirectories);
        var bytes = files.Sum(p => new FileInfo(p).Length);
        output.WriteLine($"{id}: {files.Length} files, {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes ({(bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)} MiB) unzipped; Lambda allows {UnzippedLimitBytes.ToString("N0", CultureInfo.InvariantCulture)}.");
        foreach (var file in files.OrderByDescending(p => new FileInfo(p).Length))
        {
            output.WriteLine($"  {new FileInfo(file).Length.ToString("N0", CultureInfo.InvariantCulture),12}  {Path.GetRelativePath(f.ArtifactsDir, file)}");
        }

        Assert.True(bytes < UnzippedLimitBytes, $"{id}: the package is {bytes} bytes unzipped; Lambda refuses more than {UnzippedLimitBytes}.");
    }

    /// <summary>The file names in docs/deploy.md's inventory table (first column, in backticks), with <c>&lt;Function&gt;</c> for the assembly name.</summary>
    private static List<string> DocumentedInventory()
    {
        var doc = File.ReadAllText(RepositoryFiles.PathOf("docs", "deploy.md"));
        var start = doc.IndexOf("<!-- package inventory -->", StringComparison.Ordinal);
        var end = doc.IndexOf("<!-- end package inventory -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/deploy.md has no <!-- package inventory --> ... <!-- end package inventory --> table.");
        return InventoryRow().Matches(doc[start..end]).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"(?m)^\| `([^`]+)` \|")]
    private static partial Regex InventoryRow();

    private PublishedFunction Built(string id) => build.Built(SamBuildFixture.ManagedTemplate, id);
}
