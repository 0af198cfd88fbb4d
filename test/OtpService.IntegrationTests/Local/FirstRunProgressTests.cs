using System.Diagnostics;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Local;

/// <summary>
/// The first <c>dotnet run</c> on a fresh clone says what it is doing at each slow step (README,
/// "Run it"): the build, on the reader's terminal (dotnet run builds at -verbosity:quiet, so the
/// project writes that line to the terminal itself); the npm install and the emulators' start, in
/// the runner's own output. A terminal is made with util-linux's <c>script</c>, as a reader's would be.
/// </summary>
[Collection(DotnetRunGroup.Name)]
public sealed class FirstRunProgressTests(ITestOutputHelper output)
{
    private const string BuildLine = "building the local runner and the three functions for the first time";

    [Fact]
    public async Task FirstBuild_OnATerminal_SaysWhatItBuilds()
    {
        var printed = await OnATerminalAsync(SayFirstBuild("/nonexistent/OtpService.Local.dll"));

        Assert.Contains(BuildLine, printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LaterBuilds_SayNothing()
    {
        // The runner built: any file that exists stands for it.
        var printed = await OnATerminalAsync(SayFirstBuild(Path.Combine(LocalRunnerProcess.RepositoryRootPath, "package.json")));

        Assert.DoesNotContain(BuildLine, printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NpmInstall_SaysWhatItInstallsBeforeItRuns()
    {
        // A root of its own with the repository's pins, so the install really runs (npm ci, as on a fresh clone).
        var root = Directory.CreateTempSubdirectory("otp-first-run-").FullName;
        try
        {
            foreach (var file in new[] { "package.json", "package-lock.json" })
            {
                File.Copy(Path.Combine(LocalRunnerProcess.RepositoryRootPath, file), Path.Combine(root, file));
            }

            var lines = new List<string>();
            using var timeout = new CancellationTokenSource(Patience.Wait);
            await NpmPackages.EnsureInstalledAsync(root, lines.Add, TimeProvider.System, timeout.Token);

            Assert.Equal(["Installing the local emulators (npm ci: dynalite, aws-ses-v2-local) - first run only ..."], lines);
            Assert.True(NpmPackages.IsInstalled(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Emulators_SayTheyAreStartingBeforeTheWait()
    {
        var lines = new List<string>();
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = Ports.FreePort(), SesPort = Ports.FreePort(), Log = lines.Add }, TimeProvider.System);

        Assert.Contains("Starting dynalite (DynamoDB) and aws-ses-v2-local (SES) ...", lines);
    }

    private static string SayFirstBuild(string targetPath) =>
        $"dotnet msbuild src/OtpService.Local/OtpService.Local.csproj -t:SayFirstBuild -p:TargetPath={targetPath} -nologo -v:q";

    /// <summary>What <paramref name="command"/> puts on a terminal of its own (a pseudo-terminal from <c>script</c>).</summary>
    private async Task<string> OnATerminalAsync(string command)
    {
        var start = new ProcessStartInfo("script")
        {
            // Held open until the command ends: script passes its stdin to the terminal.
            RedirectStandardInput = true,
            WorkingDirectory = LocalRunnerProcess.RepositoryRootPath,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-q", "-e", "-c", command, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        using var script = Process.Start(start) ?? throw new InvalidOperationException("script (util-linux) did not start");
        try
        {
            var stdout = script.StandardOutput.ReadToEndAsync();
            var stderr = script.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Patience.Wait);
            await script.WaitForExitAsync(timeout.Token);
            var printed = await stdout + await stderr;
            output.WriteLine($"$ {command}{Environment.NewLine}{printed}");
            Assert.True(script.ExitCode == 0, printed);
            return printed;
        }
        finally
        {
            if (!script.HasExited)
            {
                script.Kill(entireProcessTree: true);
            }
        }
    }
}
