namespace OtpService.Benchmarks;

/// <summary>
/// Publishes what the cold figures run: the managed host (ReadyToRun, framework-dependent,
/// linux-x64, as the functions ship) and the Native AOT bootstrap. Both land under artifacts/.
/// </summary>
internal static class Publishing
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    public static async Task<string> ColdHostAsync(string root, bool publish)
    {
        var output = Path.Combine(root, "artifacts", "bench", "coldhost");
        var exe = Path.Combine(output, "OtpService.Benchmarks.ColdHost");
        if (publish || !File.Exists(exe))
        {
            Report.Progress("publishing the managed cold host (ReadyToRun, linux-x64)");
            await PublishAsync(root, "test/OtpService.Benchmarks.ColdHost/OtpService.Benchmarks.ColdHost.csproj", output, "--self-contained", "false", "-p:PublishReadyToRun=true");
        }

        return exe;
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
