using System.Diagnostics;
using System.Text;
using OtpService.Local.Template;

namespace OtpService.Tests.Deploy;

/// <summary>What <c>sam build</c> left in one function's artifacts folder, and how the build went.</summary>
public sealed record PublishedFunction(string LogicalId, string Handler, string ArtifactsDir, int ExitCode, string Command, string Log);

/// <summary>
/// Runs, once per test class, what <c>sam build</c> runs for every function of template.yaml
/// with <c>BuildMethod: makefile</c> (aws-lambda-builders' CustomMakeBuilder): copy the
/// repository (Metadata ProjectRootDirectory) to a scratch folder, then in the copy of
/// Metadata WorkingDirectory run <c>make --makefile &lt;ContextPath&gt;/Makefile build-&lt;LogicalId&gt;</c>
/// with <c>ARTIFACTS_DIR</c> in the environment. Everything lives in one fresh temp folder,
/// so parallel runs and the worktree's own bin/obj are untouched. The functions are built one
/// after another in the same copy, so OtpService.Core compiles once.
/// </summary>
public sealed class SamBuildFixture : IDisposable
{
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "bin", "obj", ".git", "node_modules", "TestResults", ".aws-sam", ".vs", ".idea",
    };

    private readonly string _root;

    public SamBuildFixture()
    {
        _root = Path.Combine(Path.GetTempPath(), $"otpservice-sam-build-{Guid.NewGuid():N}");
        var scratch = Path.Combine(_root, "scratch");
        var template = CfnTemplate.Load(RepositoryFiles.PathOf("template.yaml"));
        var functions = template.Resources("AWS::Serverless::Function").ToList();
        CopyRepository(RepositoryFiles.Root, scratch);

        var published = new Dictionary<string, PublishedFunction>(StringComparer.Ordinal);
        foreach (var (id, function) in functions)
        {
            var metadata = function["Metadata"];
            var codeUri = function["Properties"]?["CodeUri"]?.Value ?? "";
            var contextPath = metadata?["ContextPath"]?.Value ?? codeUri;
            var workingDirectory = metadata?["WorkingDirectory"]?.Value ?? contextPath;
            var artifacts = Path.Combine(_root, "artifacts", id);
            Directory.CreateDirectory(artifacts);
            var makefile = Path.Combine(scratch, contextPath, "Makefile");
            var (exitCode, log) = Make(Path.Combine(scratch, workingDirectory), makefile, id, artifacts);
            published[id] = new PublishedFunction(
                id,
                function["Properties"]?["Handler"]?.Value ?? "",
                artifacts,
                exitCode,
                $"ARTIFACTS_DIR={artifacts} make --makefile {contextPath}Makefile build-{id}   (in the copy of {workingDirectory})",
                log);
        }

        Functions = published;
    }

    public IReadOnlyDictionary<string, PublishedFunction> Functions { get; }

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
