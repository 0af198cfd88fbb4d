namespace OtpService.Benchmarks;

/// <summary>
/// Publishes what the cold figures run: each managed function package as its Makefile publishes
/// it (framework-dependent, ReadyToRun), for linux-x64 (RID=linux-x64: the Makefiles default to
/// the template's arm64), and the Native AOT bootstrap. Both land under artifacts/.
/// </summary>
internal static class Publishing
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    /// <summary>The published folder of <paramref name="function"/> (GenerateOtp, VerifyOtp): <c>make build-&lt;Function&gt;Function RID=linux-x64</c>.</summary>
    public static async Task<string> ManagedPackageAsync(string root, string function, bool publish)
    {
        var output = Path.Combine(root, "artifacts", "bench", function);
        if (publish || !File.Exists(Path.Combine(output, $"{function}.dll")))
        {
            Report.Progress($"publishing the managed {function} package (make build-{function}Function RID=linux-x64: ReadyToRun, framework-dependent)");
            var info = ChildProcess.StartInfo("make", ["-C", Path.Combine("src", function), $"build-{function}Function", "RID=linux-x64"],
                new Dictionary<string, string> { ["ARTIFACTS_DIR"] = output }, workingDirectory: root);
            var run = await ChildProcess.RunAsync(info, Limit);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"make build-{function}Function failed:\n{run.Output}\n{run.Error}");
            }
        }

        return output;
    }

    /// <summary>The bootstrap's path, or null (with a clear line) when Native AOT cannot be built here.</summary>
    public static async Task<string?> AotBootstrapAsync(string root, bool publish)
    {
        var output = Path.Combine(root, "artifacts", "aot", "linux-x64");
        var exe = Path.Combine(output, "bootstrap");
        if (publish || !File.Exists(exe))
        {
            Report.Progress("publishing the Native AOT bootstrap (linux-x64; a few minutes on 2 cores, faster when up to date)");
            try
            {
                await PublishAsync(root, "src/OtpService.Bootstrap/OtpService.Bootstrap.csproj", output);
            }
            catch (InvalidOperationException e)
            {
                Report.Progress($"AOT FIGURES SKIPPED: the Native AOT publish failed (it needs clang or gcc and zlib): {e.Message}");
                return null;
            }
        }

        return exe;
    }

    private static async Task PublishAsync(string root, string project, string output, params string[] extra)
    {
        var info = ChildProcess.StartInfo("dotnet", ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo", .. extra], workingDirectory: root);
        var run = await ChildProcess.RunAsync(info, Limit);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed:\n{run.Output}\n{run.Error}");
        }
    }
}
