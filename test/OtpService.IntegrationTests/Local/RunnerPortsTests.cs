using System.Globalization;
using System.Text.RegularExpressions;
using OtpService.Local.Commands;
using OtpService.Local.Emulators;
using OtpService.Tests.Integration;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>
/// The runner opens only the ports it announces: the TCP ports its process tree (the runner and
/// the emulators it started) listens on, read from /proc, are exactly those of the banner's Ports
/// line, in each mode; and with a DynamoDB endpoint of the user's, it never takes 8000 unasked.
/// </summary>
public sealed partial class RunnerPortsTests
{
    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task WithItsOwnEmulators_ItListensOnExactlyTheAnnouncedPorts()
    {
        var (api, site, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        await using var runner = LocalRunnerProcess.Start("--port", Text(api), "--site-port", Text(site), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses));
        await runner.WaitUntilReadyAsync(Patience.Wait);

        var announced = Announced(runner);
        var listening = ListeningPorts.Of([runner.Pid, .. runner.Descendants()]);

        Assert.Equal(announced.Order(), listening.Order());
        Assert.Subset(announced.ToHashSet(), new HashSet<int> { api, site, dynamo, ses });
        Assert.Equal(6, announced.Count); // and dynalite's own port behind the stream proxy, aws-ses-v2-local's behind the SES stand-in
        var behind = announced.Except([api, site, dynamo, ses]).Select(p => $"http://127.0.0.1:{Text(p)}/").ToList();
        Assert.Single(behind, own => runner.Output.Contains($"dynalite's own {own}", StringComparison.Ordinal));
        Assert.Single(behind, own => runner.Output.Contains($"aws-ses-v2-local's own {own}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithADynamoDbEndpointWithoutStreams_AndNoDynamoDbPort_TheProxyTakesAPortTheOsPicks_AndTheBannerSaysWhich()
    {
        var yours = await EmulatorFixture.StartedAsync();
        var (api, site) = (Ports.FreePort(), Ports.FreePort());
        await using var runner = LocalRunnerProcess.Start(
            ["--port", Text(api), "--site-port", Text(site), "--dynamodb-endpoint", yours.DynamoDbEndpoint.ToString(), "--ses-endpoint", yours.SesEndpoint.ToString()],
            new Dictionary<string, string> { ["OTP_TABLE_NAME"] = $"otp_ports_{Guid.NewGuid():N}" });
        await runner.WaitUntilReadyAsync(Patience.Wait);

        var listening = ListeningPorts.Of([runner.Pid, .. runner.Descendants()]);
        Assert.DoesNotContain(StartApiOptions.DefaultDynamoDbPort, listening); // DynamoDB Local's own port: never taken unasked
        var announced = Announced(runner);
        var proxy = Assert.Single(announced.Except([api, site]));

        Assert.Equal(announced.Order(), listening.Order());
        Assert.Contains($"DynamoDB  http://127.0.0.1:{Text(proxy)}/   (the runner's stream proxy to yours at {yours.DynamoDbEndpoint}", runner.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(runner.Descendants(), ProcessTree.IsRunning); // no emulator started
    }

    [Fact]
    public async Task WithADynamoDbEndpointWithoutStreams_AndADynamoDbPort_TheProxyTakesThatPort()
    {
        var yours = await EmulatorFixture.StartedAsync();
        var (api, site, dynamo) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        await using var runner = LocalRunnerProcess.Start(
            ["--port", Text(api), "--site-port", Text(site), "--dynamodb-port", Text(dynamo), "--dynamodb-endpoint", yours.DynamoDbEndpoint.ToString(), "--ses-endpoint", yours.SesEndpoint.ToString()],
            new Dictionary<string, string> { ["OTP_TABLE_NAME"] = $"otp_ports_{Guid.NewGuid():N}" });
        await runner.WaitUntilReadyAsync(Patience.Wait);

        Assert.Equal(new[] { api, site, dynamo }.Order(), Announced(runner).Order());
        Assert.Equal(Announced(runner).Order(), ListeningPorts.Of([runner.Pid, .. runner.Descendants()]).Order());
    }

    [MotoFact]
    public async Task WithADynamoDbEndpointWithStreams_NoDynamoDbPortIsOpened_EvenWhenGiven()
    {
        await using var moto = await MotoServer.StartAsync();
        var (api, site, dynamo) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        await using var runner = LocalRunnerProcess.Start(["--port", Text(api), "--site-port", Text(site), "--dynamodb-port", Text(dynamo), "--endpoint", moto.Endpoint.ToString()], null);
        await runner.WaitUntilReadyAsync(Patience.Wait);

        Assert.Equal(new[] { api, site }.Order(), Announced(runner).Order());
        Assert.Equal(Announced(runner).Order(), ListeningPorts.Of([runner.Pid, .. runner.Descendants()]).Order());
        Assert.Contains($"--dynamodb-port {Text(dynamo)} is not opened", runner.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_SaysWhichPortsAreOpened_InEachMode()
    {
        using var output = new StringWriter();
        CommandLine.WriteHelp(Assert.IsType<HelpCommand>(CommandLine.Parse(["--help"])).Parsed, output);
        var help = Regex.Replace(output.ToString(), @"\s+", " ");

        Assert.Contains("Ports it opens, all on 127.0.0.1, and nothing else", help, StringComparison.Ordinal);
        Assert.Contains("without --dynamodb-endpoint: --dynamodb-port (the stream proxy", help, StringComparison.Ordinal);
        Assert.Contains("with --dynamodb-endpoint: none if that DynamoDB has streams; else the stream proxy, on --dynamodb-port if given, or on a free port the OS picks", help, StringComparison.Ordinal);
        Assert.Contains("--ses-port (aws-ses-v2-local), unless --ses-endpoint is given", help, StringComparison.Ordinal);
    }

    [Fact]
    public void WithADynamoDbEndpoint_TheDynamoDbPortIsUnset_UnlessGiven()
    {
        Assert.Null(Assert.IsType<StartApiOptions>(CommandLine.Parse(["--dynamodb-endpoint", "http://127.0.0.1:4567"])).DynamoDbPort);
        Assert.Equal(8100, Assert.IsType<StartApiOptions>(CommandLine.Parse(["--dynamodb-endpoint", "http://127.0.0.1:4567", "--dynamodb-port", "8100"])).DynamoDbPort);

        // 8000 is then no port of the runner's, so it cannot clash; one given still can.
        Assert.IsType<StartApiOptions>(CommandLine.Parse(["--dynamodb-endpoint", "http://127.0.0.1:4567", "--port", "8000"]));
        Assert.IsType<HelpCommand>(CommandLine.Parse(["--dynamodb-endpoint", "http://127.0.0.1:4567", "--dynamodb-port", "3000"]));
    }

    /// <summary>The ports of the banner's Ports line.</summary>
    private static List<int> Announced(LocalRunnerProcess runner)
    {
        var line = runner.Output.Split('\n').Single(l => l.TrimStart().StartsWith("Ports ", StringComparison.Ordinal));
        return PortNumber().Matches(line).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
    }

    [GeneratedRegex(@"(?:Ports\s+|, )(\d+) ")]
    private static partial Regex PortNumber();
}

/// <summary>The TCP ports processes listen on, from /proc: each LISTEN socket of /proc/net/tcp{,6} whose inode is an open file of one of them.</summary>
internal static class ListeningPorts
{
    public static IReadOnlyList<int> Of(IEnumerable<int> pids)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pid in pids)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        inodes.Add(target[8..^1]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        var ports = new SortedSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var row in File.ReadAllLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var columns = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns[3] == "0A" && inodes.Contains(columns[9]))
                {
                    ports.Add(int.Parse(columns[1][(columns[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return [.. ports];
    }
}
