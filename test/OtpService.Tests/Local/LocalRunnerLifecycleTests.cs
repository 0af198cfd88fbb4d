using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OtpService.Local.Emulators;
using Xunit;

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
        var exitCode = await runner.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, exitCode);
        Assert.Contains("Stopped.", runner.Output, StringComparison.Ordinal);
        Assert.All(children, pid => Assert.False(ProcessTree.IsRunning(pid), $"process {pid} outlived the runner"));
        Assert.True(Ports.IsFree(api));
    }

    [Fact]
    public async Task BusyPort_ExitsNonZeroNamingIt_BeforeStartingAnything()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var busy = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var (api, site, dynamo) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());

        await using var runner = LocalRunnerProcess.Start(
            "--port", Text(api), "--site-port", Text(site), "--dynamodb-port", Text(dynamo), "--ses-port", Text(busy));
        var exitCode = await runner.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(Text(busy), runner.Errors, StringComparison.Ordinal);
        Assert.True(Ports.IsFree(dynamo), "dynalite must not be started when another port is busy");
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
        var exitCode = await runner.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, exitCode);
        Assert.Contains(Text(busy), runner.Errors, StringComparison.Ordinal);
        Assert.Contains("--site-port", runner.Errors, StringComparison.Ordinal);
        Assert.True(Ports.IsFree(dynamo), "dynalite must not be started when another port is busy");
    }

    [Fact]
    public async Task Help_PrintsUsage_AndExitsZero()
    {
        await using var runner = LocalRunnerProcess.Start("--help");

        Assert.Equal(0, await runner.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("invoke FUNCTION", runner.Output, StringComparison.Ordinal);
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
