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

    /// <summary>
    /// <c>docker stop</c>, or a service manager stopping the whole group: SIGTERM to the runner and its
    /// emulators. The emulators are signalled first and the runner only once it is stopping because of
    /// them (the order a loaded machine can produce): their end is the stop request, the runner's own
    /// SIGTERM then is its first signal, and the stop stays clean.
    /// </summary>
    [Fact]
    public async Task Sigterm_ToTheRunnerAndItsEmulators_InEitherOrder_IsACleanStop()
    {
        var (runner, _, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var emulators = runner.Descendants();

        LocalRunnerProcess.Signal("TERM", emulators);
        Assert.True(await runner.WaitForOutputAsync("Stopping ...", Patience.Wait), runner.Output + runner.Errors);
        runner.Terminate();
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{runner.Errors}");
        Assert.Contains("was ended by SIGTERM", runner.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("exited with code", runner.Errors, StringComparison.Ordinal);
        Assert.All(emulators, pid => Assert.False(ProcessTree.IsRunning(pid), $"process {pid} outlived the runner"));
    }

    /// <summary>
    /// Ctrl+C (or SIGTERM) that reached only an emulator, e.g. a runner started in the background by a
    /// script, which ignores SIGINT while node does not: a stop request, not a crash. The runner stops
    /// cleanly (exit 0) and says why in one line.
    /// </summary>
    [Theory]
    [InlineData("dynalite", "INT")]
    [InlineData("aws-ses-v2-local", "TERM")]
    public async Task EmulatorEndedByAStopSignal_Alone_StopsTheRunnerCleanly_SayingWhy(string emulator, string signal)
    {
        var (runner, _, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var victim = runner.Descendants().Single(pid => CommandLineOf(pid).Contains(emulator, StringComparison.Ordinal));

        LocalRunnerProcess.Signal(signal, victim);
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{runner.Errors}");
        var said = Assert.Single(runner.Output.Split(Environment.NewLine), l => l.Contains($"was ended by SIG{signal}", StringComparison.Ordinal));
        Assert.Contains(emulator, said, StringComparison.Ordinal);
        Assert.Contains("Stopped.", runner.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("exited with code", runner.Errors, StringComparison.Ordinal);
        Assert.All(runner.Descendants(), pid => Assert.False(ProcessTree.IsRunning(pid)));
    }

    /// <summary>
    /// A second stop signal while the runner stops ends it at once (the signal's own default action),
    /// as Program.cs promises: here SIGINT then SIGTERM, sent together. The emulators still go (node
    /// exits when the runner's end of its stdin closes).
    /// </summary>
    [Fact]
    public async Task SecondStopSignal_WhileStopping_EndsTheRunnerAtOnce_AndLeavesNoEmulator()
    {
        var (runner, _, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var emulators = runner.Descendants();

        runner.SignalTwice("INT", "TERM");
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        // 128 + the signal's number: ended by the second signal, not by the clean stop's "return 0".
        Assert.True(exitCode is 130 or 143, $"exit {exitCode}: the second signal did not end the runner{Environment.NewLine}{runner.Output}");
        Assert.True(await AllGoneAsync(emulators), "an emulator outlived the runner");
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

    /// <summary>
    /// Only SIGINT and SIGTERM are stop requests: an emulator ended by any other signal is a failure,
    /// like kill -9 (here SIGUSR2, which node does not handle; SIGABRT or SIGSEGV, a real crash's,
    /// would leave a core file where core dumps are on).
    /// </summary>
    [Fact]
    public async Task EmulatorEndedByAnyOtherSignal_IsStillAFailure()
    {
        var (runner, _, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var victim = runner.Descendants().Single(pid => CommandLineOf(pid).Contains("dynalite", StringComparison.Ordinal));

        LocalRunnerProcess.Signal("USR2", victim);
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.Equal(4, exitCode);
        Assert.Contains("exited with code 140", runner.Errors, StringComparison.Ordinal);
        Assert.Contains("cannot work without it", runner.Errors, StringComparison.Ordinal);
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

    private static async Task<bool> AllGoneAsync(IEnumerable<int> pids)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (pids.Any(ProcessTree.IsRunning))
        {
            if (clock.Elapsed > Patience.Wait)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
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
