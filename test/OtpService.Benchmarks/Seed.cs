using System.Text.Json;

namespace OtpService.Benchmarks;

/// <summary>
/// The seed (the original Python functions) through its harness, ../shared/seed/harness.py
/// beside the clone, run with the machine's python3 and boto3 against the benchmark's dynalite.
/// </summary>
internal sealed class Seed
{
    private readonly Dictionary<string, string> _environment;

    private Seed(string harness, Uri dynamoDb)
    {
        Harness = harness;
        _environment = new()
        {
            ["DYNAMODB_ENDPOINT"] = dynamoDb.ToString().TrimEnd('/'),
            // Python block-buffers a piped stdout until exit; unbuffered, the answer line arrives when printed.
            ["PYTHONUNBUFFERED"] = "1",
        };
    }

    public string Harness { get; }

    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>The seed harness, or null with the reason it cannot run here.</summary>
    public static async Task<(Seed? Seed, string? Reason)> FindAsync(string repositoryRoot, Uri dynamoDb)
    {
        var harness = System.Environment.GetEnvironmentVariable("OTP_SEED_HARNESS")
            ?? Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "seed", "harness.py"));
        if (!File.Exists(harness))
        {
            return (null, $"the seed harness is not at {harness} (set OTP_SEED_HARNESS to its path)");
        }

        if (!ChildProcess.OnPath("python3"))
        {
            return (null, "python3 is not on PATH");
        }

        var boto = await ChildProcess.RunAsync(ChildProcess.StartInfo("python3", ["-c", "import boto3"]), TimeSpan.FromSeconds(60));
        if (boto.ExitCode != 0)
        {
            return (null, "python3 cannot import boto3 (apt-get install python3-boto3, or pip install boto3)");
        }

        var seed = new Seed(harness, dynamoDb);
        var created = await ChildProcess.RunAsync(seed.Command("create-table"), TimeSpan.FromSeconds(60));
        return created.ExitCode == 0
            ? (seed, null)
            : (null, $"harness.py create-table failed: {created.Error.Trim()}");
    }

    /// <summary>python3 harness.py ARGS, against the benchmark's dynalite.</summary>
    public System.Diagnostics.ProcessStartInfo Command(params string[] arguments) =>
        ChildProcess.StartInfo("python3", [Harness, .. arguments], _environment);

    /// <summary>
    /// The same `generate` as <see cref="Command"/>, run through runpy and then held until stdin
    /// closes, so its peak memory can be read from /proc while it is still alive.
    /// </summary>
    public System.Diagnostics.ProcessStartInfo HeldGenerate(string address)
    {
        const string script = """
            import runpy, sys
            harness, address = sys.argv[1], sys.argv[2]
            sys.argv = [harness, "generate", address]
            try:
                runpy.run_path(harness, run_name="__main__")
            except SystemExit:
                pass
            sys.stdout.flush()
            sys.stdin.read()
            """;
        return ChildProcess.StartInfo("python3", ["-c", script, Harness, address], _environment);
    }

    /// <summary>harness.py bench N: N x (generate, verify) in one warm process; mean ms per call.</summary>
    public async Task<double> WarmMeanMsAsync(int pairs)
    {
        var run = await ChildProcess.RunAsync(Command("bench", pairs.ToString(System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromMinutes(5));
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"harness.py bench failed: {run.Error.Trim()}");
        }

        using var json = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]);
        return json.RootElement.GetProperty("mean_ms_per_call").GetDouble();
    }
}
