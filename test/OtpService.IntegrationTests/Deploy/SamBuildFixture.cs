using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>What <c>sam build</c> left in one function's artifacts folder, and how the build went.</summary>
/// <param name="LogicalId">The function's logical id in the template, e.g. GenerateOtpFunction.</param>
/// <param name="Handler">The template's Handler for it.</param>
/// <param name="Runtime">The template's Runtime (Globals or the function's own): dotnet10 or provided.al2023.</param>
/// <param name="ArtifactsDir">What Lambda would unzip into <c>LAMBDA_TASK_ROOT</c>.</param>
public sealed record PublishedFunction(string LogicalId, string Handler, string Runtime, string ArtifactsDir, int ExitCode, string Command, string Log);

/// <summary>The test classes that share one build of every package (<see cref="SamBuildFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class PublishedPackages : ICollectionFixture<SamBuildFixture>
{
    public const string Name = "Published packages";
}

/// <summary>
/// Runs, once per test run, what <c>sam build</c> runs for every function of template.yaml and of
/// template-aot.yaml (<c>BuildMethod: makefile</c>, aws-lambda-builders' CustomMakeBuilder): copy the
/// repository (Metadata ProjectRootDirectory) to a scratch folder, then in the copy of Metadata
/// WorkingDirectory run <c>make --makefile &lt;ContextPath&gt;/Makefile build-&lt;LogicalId&gt;</c> with
/// <c>ARTIFACTS_DIR</c> in the environment. One difference: <c>RID=</c> this machine's (linux-x64
/// here), so the packages can be started here; the Makefiles' own default is the templates'
/// architecture (checked by <see cref="PublishedOutputTests"/>). One publish per function; the
/// three AOT functions share one binary, as the Makefile does. Each template is built on first use.
/// </summary>
public sealed class SamBuildFixture : IDisposable
{
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "bin", "obj", ".git", "node_modules", "TestResults", ".aws-sam", ".vs", ".idea", "artifacts",
    };

    private readonly string _root;
    private readonly Lazy<string> _scratch;
    private readonly Lazy<IReadOnlyDictionary<string, PublishedFunction>> _managed;
    private readonly Lazy<IReadOnlyDictionary<string, PublishedFunction>> _aot;

    public SamBuildFixture()
    {
        _root = Path.Combine(Path.GetTempPath(), $"otpservice-sam-build-{Guid.NewGuid():N}");
        _scratch = new Lazy<string>(() =>
        {
            var scratch = Path.Combine(_root, "scratch");
            CopyRepository(RepositoryFiles.Root, scratch);
            return scratch;
        });
        _managed = new(() => Build(ManagedTemplate));
        _aot = new(() => Build(AotTemplate));
    }

    public const string ManagedTemplate = "template.yaml";
    public const string AotTemplate = "template-aot.yaml";

    /// <summary>This machine's runtime identifier (linux-x64 or linux-arm64): what the packages are built for here.</summary>
    public static string MachineRid { get; } = $"linux-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";

    /// <summary>template.yaml's functions, built on first use.</summary>
    public IReadOnlyDictionary<string, PublishedFunction> Functions => _managed.Value;

    /// <summary>The functions of <paramref name="template"/> (template.yaml or template-aot.yaml), built on first use.</summary>
    public IReadOnlyDictionary<string, PublishedFunction> For(string template) => template switch
    {
        ManagedTemplate => _managed.Value,
        AotTemplate => _aot.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(template), template, "template.yaml or template-aot.yaml"),
    };

    /// <summary>The built function, or a failed assertion that shows the build's log.</summary>
    public PublishedFunction Built(string template, string logicalId)
    {
        Assert.True(For(template).TryGetValue(logicalId, out var f), $"{template} has no function {logicalId}.");
        Assert.True(f!.ExitCode == 0, $"{logicalId}: '{f.Command}' failed with exit code {f.ExitCode}:{Environment.NewLine}{f.Log}");
        return f;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a test run over it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Dictionary<string, PublishedFunction> Build(string templateFile)
    {
        var template = CfnTemplate.Load(RepositoryFiles.PathOf(templateFile));
        var globalRuntime = template.Root["Globals"]?["Function"]?["Runtime"]?.Value ?? "";
        var scratch = _scratch.Value;
        var published = new Dictionary<string, PublishedFunction>(StringComparer.Ordinal);
        foreach (var (id, function) in template.Resources("AWS::Serverless::Function"))
        {
            var metadata = function["Metadata"];
            var codeUri = function["Properties"]?["CodeUri"]?.Value ?? "";
            var contextPath = metadata?["ContextPath"]?.Value ?? codeUri;
            var workingDirectory = metadata?["WorkingDirectory"]?.Value ?? contextPath;
            var artifacts = Path.Combine(_root, "artifacts", Path.GetFileNameWithoutExtension(templateFile), id);
            Directory.CreateDirectory(artifacts);
            var makefile = Path.Combine(scratch, contextPath, "Makefile");
            var (exitCode, log) = Make(Path.Combine(scratch, workingDirectory), makefile, id, artifacts);
            published[id] = new PublishedFunction(
                id,
                function["Properties"]?["Handler"]?.Value ?? "",
                function["Properties"]?["Runtime"]?.Value ?? globalRuntime,
                artifacts,
                exitCode,
                $"ARTIFACTS_DIR={artifacts} make --makefile {contextPath}Makefile build-{id} RID={MachineRid}   (in the copy of {workingDirectory})",
                log);
        }

        return published;
    }

    private static (int ExitCode, string Log) Make(string workingDirectory, string makefile, string logicalId, string artifactsDir)
    {
        var start = new ProcessStartInfo("make")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--makefile");
        start.ArgumentList.Add(makefile);
        start.ArgumentList.Add($"build-{logicalId}");
        start.ArgumentList.Add($"RID={MachineRid}");
        start.Environment["ARTIFACTS_DIR"] = artifactsDir;

        // dotnet test's own MSBuild settings must not leak into the nested build; and no build
        // server may outlive it (it would inherit the redirected output and keep it open).
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var log = new StringBuilder();
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"could not start make ({e.Message}); sam build needs GNU make (Debian: apt-get install make)");
        }

        using (process)
        {
            process.OutputDataReceived += (_, e) => Append(log, e.Data);
            process.ErrorDataReceived += (_, e) => Append(log, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            return (process.ExitCode, log.ToString());
        }
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static void CopyRepository(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            if (!NotCopied.Contains(Path.GetFileName(dir)))
            {
                CopyRepository(dir, Path.Combine(to, Path.GetFileName(dir)));
            }
        }
    }
}
