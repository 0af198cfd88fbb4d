using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OtpService.Benchmarks;
using OtpService.Local.Emulators;
using OtpService.Tests.Integration;

// dotnet run -c Release --project test/OtpService.Benchmarks -- all [--runs 7] [--pairs 200] [--no-publish]
// abuse [--model NAME]: only that attacker model (one_client, one_client_owner_signs_in, botnet_1000, botnet_1000_owner_signs_in).
// Subsets: cold | warm | cpu | alloc | runner | abuse | storage | deadline | load (alloc: bytes and thread CPU per call, and per stage; no BenchmarkDotNet, not in "all").
// load [--clients N] [--seconds S]: the local runner under 16 and 64 concurrent clients (or N) for 30 s (or S) each; not in "all". Results: one JSON line per figure on stdout; progress on stderr.
var command = args.FirstOrDefault() ?? "all";
if (command is not ("all" or "cold" or "warm" or "cpu" or "alloc" or "runner" or "abuse" or "storage" or "deadline" or "load"))
{
    Console.Error.WriteLine("usage: OtpService.Benchmarks all|cold|warm|cpu|alloc|runner|abuse|storage|deadline|load [--runs N (>=7)] [--pairs N (>=200)] [--no-publish] [--clients N] [--seconds S]");
    return 2;
}

var runs = Math.Max(7, Option("--runs", 7));
var pairs = Math.Max(200, Option("--pairs", 200));
var publish = !args.Contains("--no-publish");
var root = RepositoryRoot.Find();

// The handlers log one line per call to Console.Out; results have their own stdout writer.
// TextWriter.Null, not a FileStream on /dev/null: .NET locks files it opens for writing, so a
// second benchmark process (another checkout) could not open /dev/null at the same time.
Console.SetOut(TextWriter.Null);
Report.Progress($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; repository {root}");

if (command is "all" or "runner")
{
    Report.Progress("runner: the local runner's own work per request, no-op function");
    Report.Emit(new Figure("runner_overhead_us", await RunnerOverhead.MicrosecondsPerRequestAsync(), "us"));
    Report.Progress("runner: idle CPU of the runner and its emulators, empty table vs 15,000 items");
    var (readySeconds, idleEmpty, idleFull, oldScan) = await RunnerIdle.MeasureAsync(root, TimeSpan.FromSeconds(20));
    Report.Emit(new Figure("runner_ready_s", readySeconds, "s"));
    Report.Emit(new Figure("runner_idle_cpu_ms_per_s_empty", idleEmpty, "ms/s"));
    Report.Emit(new Figure($"runner_idle_cpu_ms_per_s_{RunnerIdle.Items}_items", idleFull, "ms/s"));
    Report.Emit(new Figure($"runner_idle_cpu_{RunnerIdle.Items}_items_vs_empty", idleEmpty > 0 ? idleFull / idleEmpty : 0, "ratio"));
    Report.Emit(new Figure($"runner_idle_cpu_ms_per_s_{RunnerIdle.Items}_items_old_scan_baseline", oldScan, "ms/s"));
    Report.Emit(new Figure($"runner_idle_cpu_{RunnerIdle.Items}_items_vs_old_scan", oldScan > 0 ? idleFull / oldScan : 0, "ratio"));
    Report.Progress("runner: dotnet run --project src/OtpService.Local to \"Ready.\" (built tree), with and without --no-build");
    Report.Emit(new Figure("runner_ready_dotnet_run_s", await RunnerIdle.DotnetRunReadySecondsAsync(root, noBuild: false), "s"));
    Report.Emit(new Figure("runner_ready_dotnet_run_no_build_s", await RunnerIdle.DotnetRunReadySecondsAsync(root, noBuild: true), "s"));
    if (command == "runner")
    {
        return 0;
    }
}

if (command == "load")
{
    var seconds = Math.Max(5, Option("--seconds", 30));
    int[] clientCounts = OptionText("--clients") is null ? [16, 64] : [Math.Max(1, Option("--clients", 16))];
    foreach (var clients in clientCounts)
    {
        Report.Progress($"load: the built runner, {clients} clients for {seconds} s (generate + wrong-code verify pairs, fresh addresses, a client address per pair)");
        var load = await LoadRun.RunAsync(clients, TimeSpan.FromSeconds(seconds));
        Report.Progress($"load {clients} clients: answers by status {string.Join(", ", load.Statuses.Select(s => $"{s.Key}: {s.Value}"))}; "
            + $"{load.Accepted} accepted, {load.MailedOnce} mailed once, {load.NotMailed} not mailed, {load.MailedMoreThanOnce} more than once; "
            + $"CPU runner {load.RunnerCpuPercent:F0} %, node {load.NodeBreakdown}");
        var tag = $"_{clients}_clients";
        Report.Emit(new Figure($"load_requests_per_s{tag}", load.RequestsPerSecond, "requests/s"));
        Report.Emit(new Figure($"load_generate_p50_ms{tag}", load.GenerateP50Ms, "ms"));
        Report.Emit(new Figure($"load_generate_p99_ms{tag}", load.GenerateP99Ms, "ms"));
        Report.Emit(new Figure($"load_verify_p50_ms{tag}", load.VerifyP50Ms, "ms"));
        Report.Emit(new Figure($"load_verify_p99_ms{tag}", load.VerifyP99Ms, "ms"));
        Report.Emit(new Figure($"load_5xx{tag}", load.Statuses.Where(s => s.Key >= 500).Sum(s => s.Value), "responses"));
        Report.Emit(new Figure($"load_not_mailed_once{tag}", load.NotMailed + load.MailedMoreThanOnce, "addresses"));
        Report.Emit(new Figure($"load_cpu_runner_percent{tag}", load.RunnerCpuPercent, "% of a core"));
        Report.Emit(new Figure($"load_cpu_emulators_percent{tag}", load.NodeCpuPercent, "% of a core"));
        // CPU per API request: the runner's (its proxy, the three functions, the stream, the SDK) and the emulators' (dynalite's one node thread, mostly).
        Report.Emit(new Figure($"load_runner_cpu_ms_per_request{tag}", load.RequestsPerSecond > 0 ? load.RunnerCpuPercent * 10 / load.RequestsPerSecond : 0, "ms"));
        Report.Emit(new Figure($"load_emulators_cpu_ms_per_request{tag}", load.RequestsPerSecond > 0 ? load.NodeCpuPercent * 10 / load.RequestsPerSecond : 0, "ms"));
    }

    return 0;
}

if (command is "all" or "abuse")
{
    var only = OptionText("--model");
    foreach (var model in AbuseSimulation.Models.Where(m => only is null || m.Name == only))
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The defaults, or the OTP_* limits set in the environment (README "Settings that move the figures").
        var result = AbuseSimulation.Run(model, OtpService.Core.Lambda.ServiceConfiguration.FromEnvironment().Otp, probedDays: 2, simulatedDays: 365, seed: 11);
        Report.Progress($"abuse {model.Name}: {result.JudgedGuesses} judged guesses ({result.ShortCodeGuesses} at short codes) in a year; "
            + $"owner signed in {result.OwnerSignIns} times, {result.OwnerSignInFailures} failed; {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
        Report.Emit(new Figure("owner_lockout_minutes_per_day", result.LockoutMinutesPerDay, "min") { Model = model.Name });
        Report.Emit(new Figure("guess_success_per_year", result.GuessSuccessPerYear, "probability") { Model = model.Name });
    }

    var person = AbuseSimulation.PersonFollowingThePage(OtpService.Core.Lambda.ServiceConfiguration.FromEnvironment().Otp);
    Report.Progress($"abuse person_following_the_page: {person.CodesSent} codes (a mistyped address, then two tabs each resending once); longest wait {person.LongestWaitSeconds} s");
    Report.Emit(new Figure("person_longest_wait_seconds", person.LongestWaitSeconds, "s") { Model = "person_following_the_page" });
    if (command == "abuse")
    {
        return 0;
    }
}

if (command == "alloc")
{
    Report.Progress("alloc: bytes allocated and this thread's CPU time per call, 20,000 calls per handler after as many warm-up calls; then per stage");
    AllocationProfile.Run(20_000);
    return 0;
}

if (command is "all" or "cpu")
{
    RunCpu(root);
    if (command == "cpu")
    {
        return 0;
    }
}

string? generatePackage = null, verifyPackage = null, bootstrap = null;
if (command is "all" or "cold")
{
    generatePackage = await Publishing.ManagedPackageAsync(root, "GenerateOtp", publish);
    verifyPackage = await Publishing.ManagedPackageAsync(root, "VerifyOtp", publish);
    bootstrap = await Publishing.AotBootstrapAsync(root, publish);
}

await using var emulators = await StartEmulatorsAsync();
var tableName = "otp_bench";
using (var client = LocalTable.CreateClient(emulators.DynamoDbEndpoint))
{
    await LocalTable.CreateAsync(client, tableName, TimeProvider.System, CancellationToken.None);
}

var functionEnvironment = new Dictionary<string, string>
{
    ["OTP_TABLE_NAME"] = tableName,
    ["AWS_ENDPOINT_URL_DYNAMODB"] = emulators.DynamoDbEndpoint.ToString().TrimEnd('/'),
    ["AWS_ENDPOINT_URL_SESV2"] = emulators.SesEndpoint.ToString().TrimEnd('/'),
    ["AWS_REGION"] = "us-east-1",
    ["AWS_ACCESS_KEY_ID"] = "local",
    ["AWS_SECRET_ACCESS_KEY"] = "local",
    ["OTP_SIGNING_KEY"] = "local-development-key-not-for-production-use-000000",
    ["OTP_SENDER_ADDRESS"] = "no-reply@example.com",
    // Every pair comes from one sample event's IP: lift the per-client and global limits out of
    // the way (they cost the same calls at any value), or the run would measure 429s. Each is at
    // most what one window item can hold (Core/Rules/WindowCapacity; init refuses more), far above
    // what a run sends.
    ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = "10000",
    ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = "1000",
    ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "10000",
    ["OTP_MAX_SENDS_PER_MINUTE"] = "10000",
    ["OTP_TOKEN_SIGNING_KEY"] = OtpService.Core.Aws.DevelopmentKeys.TokenSigningKeyPem,
    ["OTP_SUBJECT_KEY"] = OtpService.Core.Aws.DevelopmentKeys.SubjectKey,
    ["OTP_CLIENT_KEY"] = OtpService.Core.Aws.DevelopmentKeys.ClientKey,
};

// VerifyOtp as deployed signs through KMS: with moto's server present, the cold verify and the
// token figures use a KMS key there (KMS client start-up, GetPublicKey at init, one Sign per token).
await using var kms = await KmsBench.StartAsync();
var verifyEnvironment = kms is null ? functionEnvironment : new Dictionary<string, string>(functionEnvironment)
{
    ["AWS_ENDPOINT_URL_KMS"] = kms.Endpoint,
    ["OTP_TOKEN_SIGNING_KEY_ID"] = kms.KeyArn,
};

if (command is "all" or "deadline")
{
    // Ratios against the budget the function must answer within (below 1: answered in time).
    Report.Progress($"deadline: GenerateOtp with DynamoDB hanging, {runs} runs at a 10 s timeout");
    var api = await Deadlines.ApiAnswerMsAsync(functionEnvironment, runs);
    Report.Emit(new Figure("deadline_api_503_ms", api.Ms, "ms", api.BudgetMs));
    Report.Progress("deadline: SendOtpEmail, 10 records, SES hanging, 3 runs at a 30 s timeout");
    var sender = await Deadlines.SenderBatchMsAsync(functionEnvironment, emulators.DynamoDbEndpoint, 3);
    Report.Emit(new Figure("deadline_sender_batch_ms", sender.Ms, "ms", sender.BudgetMs));
    if (command == "deadline")
    {
        return 0;
    }
}

var (seed, whyNoSeed) = await Seed.FindAsync(root, emulators.DynamoDbEndpoint);
if (seed is null)
{
    Report.Progress($"SEED FIGURES SKIPPED: {whyNoSeed}. Figures print with \"seed\": null, \"ratio\": null.");
}

if (command is "all" or "storage")
{
    Report.Progress("storage: one generate and one verify (wrong code) for an address with 100 codes in its history, counted on the wire");
    // dynalite has no TransactWriteItems (two writes, as the local runner issues); moto's server
    // has it (one transaction, as in AWS). Each path's figures carry "path".
    EmitStorage(await StorageFigures.MeasureAsync(emulators.DynamoDbEndpoint, tableName));
    if (MotoServer.WhyUnavailable is { } noMoto)
    {
        Report.Progress($"storage: transaction path skipped: {noMoto}");
    }
    else
    {
        await using var moto = await MotoServer.StartAsync();
        using (var motoClient = LocalTable.CreateClient(moto.Endpoint))
        {
            await LocalTable.CreateAsync(motoClient, tableName, TimeProvider.System, CancellationToken.None);
        }

        EmitStorage(await StorageFigures.MeasureAsync(moto.Endpoint, tableName));
    }

    if (command == "storage")
    {
        return 0;
    }
}

if (command is "all" or "cold")
{
    await RunColdAsync(seed, new ColdStarts(functionEnvironment), generatePackage!, bootstrap);
    await RunColdVerifyAsync(new ColdStarts(functionEnvironment), verifyPackage!);
}

if (command is "all" or "warm")
{
    Report.Progress($"warm: {pairs} generate+verify pairs in this process (JIT, Release)");
    var ours = await WarmCalls.MeanMsPerCallAsync(functionEnvironment, pairs);
    double? seedWarm = null;
    if (seed is not null)
    {
        Report.Progress($"warm: seed harness.py bench {pairs}");
        seedWarm = await seed.WarmMeanMsAsync(pairs);
    }

    Report.Emit(new Figure("warm_call_ms", ours, "ms", seedWarm));
    await KmsBench.EmitTokenFiguresAsync(kms, pairs);
}

return 0;

async Task RunColdVerifyAsync(ColdStarts cold, string package)
{
    var id = Guid.NewGuid().ToString("N")[..8];
    List<double> ours = [];
    for (var round = 0; round <= runs; round++)
    {
        var run = await cold.ManagedVerifyAsync(package, $"cold-verify-{id}-{round}@example.com", verifyEnvironment);
        if (round > 0)
        {
            ours.Add(run.Ms);
        }

        Report.Progress($"cold verify round {round}{(round > 0 ? "" : " (warm-up, not counted)")}: {run.Ms:F1} ms{(kms is null ? " (development key)" : " (KMS on moto)")}");
    }

    // The seed has no verify that starts cold on its own: no comparison column.
    Report.Emit(new Figure("cold_verify_ms", Report.Median(ours), "ms"));
}

string? OptionText(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

static async Task<EmulatorHost> StartEmulatorsAsync()
{
    Report.Progress("starting dynalite (and aws-ses-v2-local) on free ports");
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return await EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = Ports.FreePort(), SesPort = Ports.FreePort() } with { Log = Report.Progress }, TimeProvider.System);
        }
        catch (Exception e) when (attempt < 3 && e is InvalidOperationException or TimeoutException)
        {
            Report.Progress($"emulators did not start ({e.Message}); trying other ports");
        }
    }
}

async Task RunColdAsync(Seed? seed, ColdStarts cold, string generatePackage, string? bootstrapPath)
{
    var id = Guid.NewGuid().ToString("N")[..8];
    List<double> seedMs = [], managedMs = [], aotMs = [];
    List<double> seedPeak = [], managedPeak = [], aotPeak = [];

    // Round 0 is unmeasured (page cache, dynalite's first writes); then the three alternate, so
    // noise from other work on the machine falls on all of them alike.
    for (var round = 0; round <= runs; round++)
    {
        var measured = round > 0;
        double? seedRun = null, aotRun = null;
        if (seed is not null)
        {
            seedRun = (await ColdStarts.SeedAsync(seed, $"cold-seed-{id}-{round}@example.com", held: false)).Ms;
            if (measured)
            {
                seedMs.Add(seedRun.Value);
            }
        }

        var managed = await cold.ManagedAsync(generatePackage, $"cold-managed-{id}-{round}@example.com");
        if (measured)
        {
            managedMs.Add(managed.Ms);
            AddPeak(managedPeak, managed.PeakMib);
        }

        if (bootstrapPath is not null)
        {
            var aot = await cold.AotAsync(bootstrapPath, $"cold-aot-{id}-{round}@example.com");
            aotRun = aot.Ms;
            if (measured)
            {
                aotMs.Add(aot.Ms);
                AddPeak(aotPeak, aot.PeakMib);
            }
        }

        Report.Progress($"cold round {round}{(measured ? "" : " (warm-up, not counted)")}: seed {Show(seedRun)} ms, managed {managed.Ms:F1} ms, aot {Show(aotRun)} ms");
    }

    // The seed's peak memory: the same generate, held alive after answering so /proc can be read.
    if (seed is not null)
    {
        for (var i = 0; i < 3; i++)
        {
            AddPeak(seedPeak, (await ColdStarts.SeedAsync(seed, $"rss-seed-{id}-{i}@example.com", held: true)).PeakMib);
        }
    }

    double? SeedMedian(List<double> values) => values.Count > 0 ? Report.Median(values) : null;
    Report.Emit(new Figure("cold_generate_ms", Report.Median(managedMs), "ms", SeedMedian(seedMs)));
    if (aotMs.Count > 0)
    {
        Report.Emit(new Figure("cold_generate_aot_ms", Report.Median(aotMs), "ms", SeedMedian(seedMs)));
    }

    Report.Emit(new Figure("peak_rss_cold_mib", Report.Median(managedPeak), "MiB", SeedMedian(seedPeak)));
    if (aotPeak.Count > 0)
    {
        Report.Emit(new Figure("peak_rss_cold_aot_mib", Report.Median(aotPeak), "MiB", SeedMedian(seedPeak)));
    }

    static void AddPeak(List<double> into, double? peak)
    {
        if (peak is { } value)
        {
            into.Add(value);
        }
    }

    static string Show(double? ms) => ms is { } value ? value.ToString("F1", CultureInfo.InvariantCulture) : "-";
}

static void RunCpu(string root)
{
    var smoke = new HandlerBenchmarks().SmokeAsync().GetAwaiter().GetResult();
    if (!smoke.Generate.Contains("\"statusCode\":202", StringComparison.Ordinal) || !smoke.Verify.Contains("\"statusCode\":200", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"The CPU benchmark's handlers do not answer as expected: {smoke}");
    }

    Report.Progress("cpu: BenchmarkDotNet, in-process, handlers with in-memory stand-ins");
    var job = Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithWarmupCount(5)
        .WithIterationCount(20)
        .WithId("InProcess");
    var config = ManualConfig.CreateEmpty()
        .AddJob(job)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddLogger(new StreamLogger(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true }))
        .WithArtifactsPath(Path.Combine(root, "artifacts", "benchmarkdotnet"))
        .WithOptions(ConfigOptions.DisableLogFile);
    var summary = BenchmarkRunner.Run<HandlerBenchmarks>(config);

    var perHandler = summary.Reports
        .Where(r => r.ResultStatistics is not null)
        .Select(r => (
            Name: r.BenchmarkCase.Descriptor.WorkloadMethod.Name.ToLowerInvariant(),
            Us: r.ResultStatistics!.Mean / 1000.0,
            Kib: r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) / 1024.0 ?? double.NaN))
        .ToList();
    if (perHandler.Count != 2)
    {
        throw new InvalidOperationException("BenchmarkDotNet did not produce both handler results; see its log above.");
    }

    foreach (var handler in perHandler)
    {
        Report.Emit(new Figure($"cpu_{handler.Name}_us", handler.Us, "us"));
        Report.Emit(new Figure($"alloc_{handler.Name}_kib", handler.Kib, "KiB"));
    }

    Report.Emit(new Figure("cpu_per_invocation_us", perHandler.Average(h => h.Us), "us"));
    Report.Emit(new Figure("alloc_per_invocation_kib", perHandler.Average(h => h.Kib), "KiB"));
}

static void EmitStorage(StorageFigures.Costs costs)
{
    var path = costs.OneTransaction ? "transaction" : "two_writes";
    // The seed: generate is one PutItem (no read), verify one GetItem (one item).
    Report.Emit(new Figure("items_read_per_request", Math.Max(costs.GenerateItems, costs.VerifyItems), "items", 1) { Path = path });
    Report.Emit(new Figure("items_read_generate", costs.GenerateItems, "items", 0) { Path = path });
    Report.Emit(new Figure("items_read_verify", costs.VerifyItems, "items", 1) { Path = path });
    // A round trip is one wait: requests sent together count once (the latency); requests_per_pair counts every request (the bill).
    Report.Emit(new Figure("round_trips_per_pair", costs.GenerateWaves + costs.VerifyWaves, "round trips", 2) { Path = path });
    Report.Emit(new Figure("requests_per_pair", costs.GenerateCalls + costs.VerifyCalls, "requests", 2) { Path = path });
    Report.Progress($"storage ({path}): generate {costs.GenerateCalls} requests ({costs.GenerateWaves} sequential), verify {costs.VerifyCalls} ({costs.VerifyWaves} sequential)");
}
