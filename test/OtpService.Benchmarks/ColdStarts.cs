using System.Diagnostics;
using OtpService.Tests.Bootstrap;

namespace OtpService.Benchmarks;

/// <summary>One fresh process: time from Process.Start to the answer, and its peak RSS while it was held after answering.</summary>
internal sealed record ColdRun(double Ms, double? PeakMib, string Answer = "");

/// <summary>
/// Whole-process cold starts of one generate: the seed (python3 harness.py generate), the managed
/// ReadyToRun package (GenerateOtp published as its Makefile publishes it, for linux-x64, started
/// as the dotnet10 runtime's bootstrap.sh starts Handler "GenerateOtp": <c>dotnet exec GenerateOtp.dll</c>)
/// and the Native AOT bootstrap; both of ours through a Runtime API stand-in. Every process starts
/// from nothing; the OS page cache is warm for all three alike (one unmeasured run of each goes first).
/// </summary>
internal sealed class ColdStarts(IReadOnlyDictionary<string, string> functionEnvironment)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs a process until it prints a line <paramref name="isAnswer"/> accepts. When
    /// <paramref name="held"/>, the process waits on stdin after answering; its VmHWM is read then.
    /// </summary>
    public static async Task<ColdRun> UntilAnswerAsync(ProcessStartInfo info, Func<string, bool> isAnswer, bool held)
    {
        info.RedirectStandardInput = held;
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {info.FileName}.");
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        double? ms = null;
        var answer = "";
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                if (isAnswer(line))
                {
                    ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    answer = line;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} gave no answer within {Limit}.");
        }

        var peak = held && ms is not null ? ProcessMemory.PeakRssMib(process.Id) : null;
        if (held)
        {
            process.StandardInput.Close();
        }

        _ = await process.StandardOutput.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return ms is { } answered
            ? new ColdRun(answered, peak, answer)
            : throw new InvalidOperationException($"{info.FileName} ended (exit {process.ExitCode}) without an answer: {(await error).Trim()}");
    }

    public static Task<ColdRun> SeedAsync(Seed seed, string address, bool held) =>
        UntilAnswerAsync(
            held ? seed.HeldGenerate(address) : seed.Command("generate", address),
            line => line.StartsWith("A verification code is sent", StringComparison.Ordinal),
            held);

    /// <summary>A cold GenerateOtp from its managed package (<paramref name="package"/>: the published folder), answering a fresh generate (202).</summary>
    public Task<ColdRun> ManagedAsync(string package, string address) =>
        RuntimeApiRunAsync(LambdaDotnet, ["exec", Path.Combine(package, "GenerateOtp.dll")], "GenerateOtp", SampleEvents.Generate(address), functionEnvironment, Answered);

    /// <summary>
    /// A cold VerifyOtp from its managed package (its init: DynamoDB client, key ring, and the token
    /// key: KMS client and GetPublicKey when the environment names a KMS key), answering a verify for
    /// an address that never got a code (404: one DynamoDB query).
    /// </summary>
    public Task<ColdRun> ManagedVerifyAsync(string package, string address, IReadOnlyDictionary<string, string>? environment = null) =>
        RuntimeApiRunAsync(LambdaDotnet, ["exec", Path.Combine(package, "VerifyOtp.dll")], "VerifyOtp", SampleEvents.Verify(address, "123456"), environment ?? functionEnvironment,
            answer => answer.Contains("\"statusCode\":404", StringComparison.Ordinal));

    /// <summary>A cold generate from the Native AOT bootstrap (provided.al2023 runs $LAMBDA_TASK_ROOT/bootstrap; _HANDLER picks the function).</summary>
    public Task<ColdRun> AotAsync(string bootstrap, string address) =>
        RuntimeApiRunAsync(bootstrap, [], "GenerateOtp", SampleEvents.Generate(address), functionEnvironment, Answered);

    /// <summary>The dotnet host, as bootstrap.sh runs it (<c>$DOTNET_ROOT/dotnet</c>; this machine's here).</summary>
    private static string LambdaDotnet => "dotnet";

    /// <summary>
    /// Starts a function against a fresh Runtime API stand-in holding one event; the time is
    /// Process.Start to the moment the stand-in has read the posted response (so it includes the
    /// GET /invocation/next and POST /response round trips). The process is then blocked in its next
    /// GET: its VmHWM is read, and it is killed.
    /// </summary>
    private static async Task<ColdRun> RuntimeApiRunAsync(string fileName, string[] arguments, string handler, byte[] payload, IReadOnlyDictionary<string, string> functionEnvironment, Func<string, bool> isAnswer)
    {
        await using var api = FakeRuntimeApi.Start();
        // Lambda's deadline is the function timeout from the invocation's start; this one is set before the
        // process starts, and a loaded machine once spent the template's 10 s on start-up alone (a 503,
        // the round lost). 60 s: far beyond any measured run, so the deadline never shapes the figure.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60).ToUnixTimeMilliseconds();
        api.Enqueue(new FakeInvocation(Guid.NewGuid().ToString(), payload, deadline, "Root=1-67d1dc9e-0123456789abcdef01234567;Sampled=0"));
        var environment = new Dictionary<string, string>(functionEnvironment)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = api.Address,
            ["_HANDLER"] = handler,
        };
        var info = ChildProcess.StartInfo(fileName, arguments, environment);
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            var post = await api.NextPostAsync(Limit);
            var ms = Stopwatch.GetElapsedTime(started, post.ReceivedAt).TotalMilliseconds;
            if (post.Kind != "response" || !isAnswer(post.Text))
            {
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} posted {post.Kind}: {post.Text}");
            }

            return new ColdRun(ms, ProcessMemory.PeakRssMib(process.Id), post.Text);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{fileName} posted nothing within {Limit}: {(process.HasExited ? await error : "(still running)")}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            _ = await output;
        }
    }

    /// <summary>A 202 "sent" (anything else means the run did not do the work being measured).</summary>
    private static bool Answered(string response) => response.Contains("\"statusCode\":202", StringComparison.Ordinal);
}
