using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OtpService.Local.Emulators;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

public sealed class LocalRunnerLifecycleTests
{
    [Fact]
    public async Task Sigterm_StopsCleanly_AndLeavesNoChildProcess()
    {
        var (runner, api, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var children = runner.Descendants();
        Assert.True(children.Count >= 2, $"expected the two emulators below the runner, found {children.Count}");

        runner.Terminate();
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.Equal(0, exitCode);
        Assert.Contains("Stopped.", runner.Output, StringComparison.Ordinal);
        Assert.All(children, pid => Assert.False(ProcessTree.IsRunning(pid), $"process {pid} outlived the runner"));
        Assert.True(Ports.IsFree(api));
    }

    [Fact]
    public async Task CtrlC_ThatReachesTheEmulatorsToo_IsACleanStop()
    {
        var (runner, _, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;

        runner.Interrupt();
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("exited with code", runner.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task BusyPorts_AreAllNamedAtOnce_BeforeStartingAnything(int busyCount)
    {
        var squatters = Enumerable.Range(0, busyCount).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        squatters.ForEach(s => s.Start());
        try
        {
            var ports = squatters.Select(s => ((IPEndPoint)s.LocalEndpoint).Port).Concat(Enumerable.Range(0, 4).Select(_ => Ports.FreePort())).Take(4).ToList();

            await using var runner = LocalRunnerProcess.Start(
                "--ses-port", Text(ports[0]), "--site-port", Text(ports[1]), "--port", Text(ports[2]), "--dynamodb-port", Text(ports[3]));
            var exitCode = await runner.WaitForExitAsync(Patience.Wait);

            Assert.Equal(3, exitCode);
            foreach (var busy in ports.Take(busyCount))
            {
                Assert.Contains(Text(busy), runner.Errors, StringComparison.Ordinal);
            }

            Assert.All(ports.Skip(busyCount), free => Assert.True(Ports.IsFree(free), $"port {free} must not be taken when another is busy"));
        }
        finally
        {
            squatters.ForEach(s => s.Dispose());
        }
    }

    /// <summary>A dead emulator stops the runner with one message naming it, not a stream of connection errors.</summary>
    [Theory]
    [InlineData("dynalite")]
    [InlineData("aws-ses-v2-local")]
    public async Task KilledEmulator_StopsTheRunnerWithAClearMessage(string emulator)
    {
        var (runner, _, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var victim = runner.Descendants().Single(pid => CommandLineOf(pid).Contains(emulator, StringComparison.Ordinal));

        using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", Text(victim)]))
        {
            await kill.WaitForExitAsync();
        }

        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.Equal(4, exitCode);
        Assert.Contains(emulator, runner.Errors, StringComparison.Ordinal);
        Assert.Contains("cannot work without it", runner.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection refused", runner.Output + runner.Errors, StringComparison.OrdinalIgnoreCase);
        Assert.All(runner.Descendants(), pid => Assert.False(ProcessTree.IsRunning(pid)));
    }

    [Fact]
    public async Task BusySitePort_ExitsNonZeroNamingItAndItsOption_BeforeStartingAnything()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var busy = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var (api, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());

        await using var runner = LocalRunnerProcess.Start(
            "--port", Text(api), "--site-port", Text(busy), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses));
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.Equal(3, exitCode);
        Assert.Contains(Text(busy), runner.Errors, StringComparison.Ordinal);
        Assert.Contains("--site-port", runner.Errors, StringComparison.Ordinal);
        Assert.True(Ports.IsFree(dynamo), "dynalite must not be started when another port is busy");
    }

    [Fact]
    public async Task Help_PrintsUsage_AndExitsZero()
    {
        await using var runner = LocalRunnerProcess.Start("--help");

        Assert.Equal(0, await runner.WaitForExitAsync(Patience.Wait));
        Assert.Contains("invoke", runner.Output, StringComparison.Ordinal);
        Assert.Contains("--dynamodb-endpoint", runner.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadArgument_ExitsTwo_NamingIt()
    {
        await using var runner = LocalRunnerProcess.Start("--port", "http");

        Assert.Equal(2, await runner.WaitForExitAsync(Patience.Wait));
        Assert.Contains("--port", runner.Errors, StringComparison.Ordinal);
    }

    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
