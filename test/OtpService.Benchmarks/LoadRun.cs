using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using OtpService.Core.Rules;
using OtpService.Local.Emulators;

namespace OtpService.Benchmarks;

/// <summary>
/// The local runner under load (issue 22, item 5): the built runner (start-api, its own dynalite and
/// aws-ses-v2-local on free ports) and N clients that each, for a fixed time, send a generate for a
/// fresh address and then a verify with a wrong code (the "pair" of docs/performance.md's round trips),
/// each pair from a client of its own (<c>OTP_CLIENT_IP_HEADER</c>, a distinct IPv4 address per pair),
/// so no per-client limit answers. Then it waits for the stream to mail every 202 and checks each
/// address got exactly one mail. Requests per second, p50/p99 per route, answers by status, and the CPU
/// the runner (dotnet) and its node emulators used per wall-clock second (/proc), which shows what
/// bounds the figure on this machine.
/// </summary>
internal static class LoadRun
{
    /// <summary>The header the runner's functions read the client from (OTP_CLIENT_IP_HEADER).</summary>
    private const string ClientHeader = "X-Load-Client";

    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux.

    /// <summary>How long the clients run before the measured window (their mail is not checked).</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    public sealed record Result(
        int Clients,
        double Seconds,
        int Requests,
        double RequestsPerSecond,
        double GenerateP50Ms,
        double GenerateP99Ms,
        double VerifyP50Ms,
        double VerifyP99Ms,
        IReadOnlyDictionary<int, int> Statuses,
        int Accepted,
        int MailedOnce,
        int NotMailed,
        int MailedMoreThanOnce,
        double RunnerCpuPercent,
        double NodeCpuPercent,
        string NodeBreakdown);

    public static async Task<Result> RunAsync(int clients, TimeSpan duration)
    {
        var (api, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        var dll = Path.Combine(AppContext.BaseDirectory, "OtpService.Local.dll");
        var environment = new Dictionary<string, string>
        {
            ["OTP_CLIENT_IP_HEADER"] = ClientHeader,
            // One window item holds at most this many sends (init refuses more): lifted out of the way, as the
            // warm figures do, so the run measures the path, not the service-wide budget's 429.
            ["OTP_MAX_SENDS_PER_MINUTE"] = WindowCapacity.MaxTokens.ToString(CultureInfo.InvariantCulture),
        };
        var info = ChildProcess.StartInfo("dotnet", [dll, "--port", Text(api), "--site-port", Text(Ports.FreePort()), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses)],
            environment, workingDirectory: RepositoryRoot.Find());
        info.RedirectStandardInput = true;
        using var runner = Process.Start(info) ?? throw new InvalidOperationException("The runner did not start.");
        try
        {
            await RunnerProcesses.WaitReadyAsync(runner, TimeSpan.FromMinutes(2));
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{Text(api)}"),
                Timeout = TimeSpan.FromSeconds(60),
            };
            var run = Guid.NewGuid().ToString("N")[..8];

            // A warm-up (JIT and tiering, connections, the table's first writes), not counted.
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => ClientAsync(http, $"warm-{run}", c, WarmUp, clients)));

            var tree = RunnerProcesses.Tree(runner.Id);
            var cpuBefore = tree.ToDictionary(p => p, RunnerProcesses.CpuTicks);
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => ClientAsync(http, run, c, duration, clients)));
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu = tree.ToDictionary(p => p, p => (RunnerProcesses.CpuTicks(p) - cpuBefore[p]) / TicksPerSecond * 100 / seconds);
            var names = tree.ToDictionary(p => p, RunnerProcesses.CommandLine);
            var runnerCpu = cpu[runner.Id];
            var node = cpu.Where(p => p.Key != runner.Id && names[p.Key].Contains("node", StringComparison.Ordinal)).ToList();
            var breakdown = string.Join("; ", node.Select(p => $"{Describe(names[p.Key])} {p.Value:F0} %"));

            var calls = results.SelectMany(r => r).ToList();
            var accepted = calls.Where(c => c.Route == "generate" && c.Status == 202).Select(c => c.Address).ToList();
            Report.Progress($"load {clients} clients: {calls.Count} requests in {seconds:F1} s; waiting for {accepted.Count} mails");
            var (once, none, more) = await MailedAsync(new MailStore(new Uri($"http://127.0.0.1:{Text(ses)}"), MailStoreKind.AwsSesV2Local), accepted, TimeSpan.FromSeconds(120));

            double P(string route, double q) => Percentile(calls.Where(c => c.Route == route).Select(c => c.Ms).ToList(), q);
            return new Result(clients, seconds, calls.Count, calls.Count / seconds, P("generate", 0.5), P("generate", 0.99), P("verify", 0.5), P("verify", 0.99),
                calls.GroupBy(c => c.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
                accepted.Count, once, none, more, runnerCpu, node.Sum(p => p.Value), breakdown);
        }
        finally
        {
            await RunnerProcesses.StopTreeAsync(runner);
        }
    }

    private sealed record Call(string Route, int Status, double Ms, string Address);

    /// <summary>One client: generate + wrong-code verify pairs until <paramref name="duration"/> is over; each pair from its own client address.</summary>
    private static async Task<List<Call>> ClientAsync(HttpClient http, string run, int client, TimeSpan duration, int clients)
    {
        var calls = new List<Call>();
        var clock = Stopwatch.StartNew();
        for (var pair = 0; clock.Elapsed < duration; pair++)
        {
            var address = $"load-{run}-{client}-{pair}@example.com";
            // A distinct IPv4 per pair: 10.x.y.z from the pair's number across all clients (16.7 million before one repeats).
            var n = (pair * clients) + client;
            var ip = $"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}";
            calls.Add(await PostAsync(http, "generate", $$"""{"email_address":"{{address}}"}""", ip, address));
            calls.Add(await PostAsync(http, "verify", $$"""{"email_address":"{{address}}","otp":"000000"}""", ip, address));
        }

        return calls;
    }

    private static async Task<Call> PostAsync(HttpClient http, string route, string json, string ip, string address)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/otp/{route}") { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(ClientHeader, ip);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return new Call(route, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, address);
    }

    /// <summary>Waits until every accepted address has mail (or <paramref name="limit"/> passes), then counts mails per address.</summary>
    private static async Task<(int Once, int None, int More)> MailedAsync(MailStore store, IReadOnlyList<string> accepted, TimeSpan limit)
    {
        var wanted = accepted.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var clock = Stopwatch.StartNew();
        Dictionary<string, int> counts;
        while (true)
        {
            counts = (await store.ReadAsync(CancellationToken.None)).SelectMany(m => m.To).Where(wanted.Contains)
                .GroupBy(a => a, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
            if (counts.Count == wanted.Count || clock.Elapsed > limit)
            {
                break;
            }

            await Task.Delay(1000);
        }

        // A late duplicate would come within the stream's next polls: look once more.
        await Task.Delay(3000);
        counts = (await store.ReadAsync(CancellationToken.None)).SelectMany(m => m.To).Where(wanted.Contains)
            .GroupBy(a => a, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        return (counts.Count(c => c.Value == 1), wanted.Count - counts.Count, counts.Count(c => c.Value > 1));
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
    }

    private static string Describe(string commandLine) =>
        commandLine.Contains("dynalite", StringComparison.Ordinal) ? "dynalite"
        : commandLine.Contains("ses", StringComparison.OrdinalIgnoreCase) ? "aws-ses-v2-local"
        : commandLine.Split(' ').FirstOrDefault() ?? "node";

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);
}
