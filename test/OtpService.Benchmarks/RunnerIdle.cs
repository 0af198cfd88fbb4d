using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2.Model;
using OtpService.Local.Emulators;

namespace OtpService.Benchmarks;

/// <summary>
/// What an idle local runner costs, and whether that grows with the table: the built runner
/// (start-api on free ports) and its emulators are measured together, as CPU milliseconds per
/// wall-clock second from /proc (utime + stime of every process in the tree), first with an empty
/// table, then after <see cref="Items"/> items were written through its DynamoDB port. The stream
/// stand-in follows writes, so both should be close to zero and close to each other; the old one
/// re-read the whole table every 250 ms and grew with every item.
/// </summary>
internal static class RunnerIdle
{
    public const int Items = 15_000;

    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux.

    /// <summary>Seconds from starting <c>dotnet run --project src/OtpService.Local</c> (a built tree: the second run) to "Ready.".</summary>
    public static async Task<double> DotnetRunReadySecondsAsync(string root, bool noBuild)
    {
        double last = 0;
        for (var run = 0; run < 2; run++)
        {
            List<string> arguments = ["run", .. noBuild ? ["--no-build"] : Array.Empty<string>(), "--project", "src/OtpService.Local", "--",
                "--port", Text(Ports.FreePort()), "--site-port", Text(Ports.FreePort()), "--dynamodb-port", Text(Ports.FreePort()), "--ses-port", Text(Ports.FreePort())];
            var info = ChildProcess.StartInfo("dotnet", arguments, workingDirectory: root);
            info.RedirectStandardInput = true;
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet run did not start.");
            await RunnerProcesses.WaitReadyAsync(process, TimeSpan.FromMinutes(4));
            last = clock.Elapsed.TotalSeconds;
            await RunnerProcesses.StopTreeAsync(process);
        }

        return last;
    }

    public static async Task<(double ReadySeconds, double EmptyMsPerS, double FullMsPerS, double OldScanMsPerS)> MeasureAsync(string root, TimeSpan window)
    {
        var (api, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        var dll = Path.Combine(AppContext.BaseDirectory, "OtpService.Local.dll");
        var info = ChildProcess.StartInfo("dotnet", [dll, "--port", Text(api), "--site-port", Text(Ports.FreePort()), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses)], workingDirectory: root);
        info.RedirectStandardInput = true;
        var started = Stopwatch.StartNew();
        using var runner = Process.Start(info) ?? throw new InvalidOperationException("The runner did not start.");
        try
        {
            await RunnerProcesses.WaitReadyAsync(runner, TimeSpan.FromSeconds(60));
            var readySeconds = started.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(2)); // Let start-up JIT and GC settle.
            Report.Progress($"runner idle: {window.TotalSeconds:0} s with an empty table");
            var empty = await CpuMsPerSecondAsync(runner.Id, window);

            Report.Progress($"runner idle: writing {Items} items through its DynamoDB port");
            using (var client = LocalTable.CreateClient(new Uri($"http://127.0.0.1:{dynamo}")))
            {
                for (var batch = 0; batch < Items / 25; batch++)
                {
                    var writes = Enumerable.Range(batch * 25, 25).Select(i => new WriteRequest(new PutRequest(new Dictionary<string, AttributeValue>
                    {
                        ["email_id"] = new() { S = $"idle-{i}@example.com" },
                        ["EXPIRATION_TIME"] = new() { N = Text(2_000_000_000 + i) },
                        ["DELETE_AFTER"] = new() { N = Text(2_000_086_400 + i) },
                        ["VERSION"] = new() { N = "1" },
                    }))).ToList();
                    await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { ["otp_holder"] = writes } });
                }
            }

            // dynalite's LevelDB compacts after a burst of writes; measure the idle state after it.
            await Task.Delay(TimeSpan.FromSeconds(10));
            Report.Progress($"runner idle: {window.TotalSeconds:0} s with {Items} items");
            var full = await CpuMsPerSecondAsync(runner.Id, window);

            // Baseline in the same run: what the previous stand-in did while idle, a key-only scan of
            // the whole table every 250 ms (its CPU here, plus the runner tree's, dynalite's included).
            Report.Progress($"runner idle: {window.TotalSeconds:0} s of the old stand-in's work (whole-table scan every 250 ms)");
            using var scanner = LocalTable.CreateClient(new Uri($"http://127.0.0.1:{dynamo}"));
            var ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var measuring = CpuMsPerSecondAsync(runner.Id, window);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < window)
            {
                Dictionary<string, AttributeValue>? start = null;
                do
                {
                    var page = await scanner.ScanAsync(new ScanRequest
                    {
                        TableName = "otp_holder",
                        ConsistentRead = true,
                        ProjectionExpression = "#k0, #k1",
                        ExpressionAttributeNames = new() { ["#k0"] = "email_id", ["#k1"] = "EXPIRATION_TIME" },
                        ExclusiveStartKey = start,
                    });
                    start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
                }
                while (start is not null);
                await Task.Delay(250);
            }

            var tree = await measuring;
            var own = (Process.GetCurrentProcess().TotalProcessorTime - ownBefore).TotalMilliseconds / clock.Elapsed.TotalSeconds;
            return (readySeconds, empty, full, tree + own);
        }
        finally
        {
            await RunnerProcesses.StopTreeAsync(runner);
        }
    }

    private static async Task<double> CpuMsPerSecondAsync(int root, TimeSpan window)
    {
        var pids = RunnerProcesses.Tree(root);
        var before = pids.Sum(RunnerProcesses.CpuTicks);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var after = pids.Sum(RunnerProcesses.CpuTicks);
        return (after - before) / TicksPerSecond * 1000 / clock.Elapsed.TotalSeconds;
    }

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);
}
