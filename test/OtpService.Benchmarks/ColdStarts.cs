using System.Diagnostics;
using OtpService.Tests.Bootstrap;

namespace OtpService.Benchmarks;

/// <summary>One fresh process: time from Process.Start to the answer, and its peak RSS while it was held after answering.</summary>
internal sealed record ColdRun(double Ms, double? PeakMib, string Answer = "");

/// <summary>
/// Whole-process cold starts of one generate: the seed (python3 harness.py generate), the managed
/// ReadyToRun build (ColdHost loading GenerateOtp like the managed runtime) and the Native AOT
/// bootstrap (through a fake Runtime API). Every process starts from nothing; the OS page cache
/// is warm for all three alike (one unmeasured run of each goes first).
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

    public async Task<ColdRun> ManagedAsync(string coldHost, string address)
    {
        var eventFile = Path.Combine(Path.GetTempPath(), $"otp-bench-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(eventFile, SampleEvents.Generate(address));
        try
        {
            var info = ChildProcess.StartInfo(coldHost, ["GenerateOtp::GenerateOtp.Function::FunctionHandler", eventFile, "--hold"], functionEnvironment);
            var run = await UntilAnswerAsync(info, line => line.Contains("\"statusCode\":", StringComparison.Ordinal), held: true);
            return Answered(run.Answer) ? run : throw new InvalidOperationException($"The managed host answered: {run.Answer}");
        }
        finally
        {
            File.Delete(eventFile);
        }
    }

    /// <summary>
    /// A cold VerifyOtp in the managed host (its init: DynamoDB client, key ring, and on this branch the
    /// token key: KMS client and GetPublicKey when the environment names a KMS key), answering a verify
    /// for an address that never got a code (404: one DynamoDB query). <paramref name="coldHost"/> may be
    /// another build's host (a baseline), so both are measured in one run.
    /// </summary>
    public async Task<ColdRun> ManagedVerifyAsync(string coldHost, string address, IReadOnlyDictionary<string, string>? environment = null)
    {
        var eventFile = Path.Combine(Path.GetTempPath(), $"otp-bench-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(eventFile, SampleEvents.Verify(address, "123456"));
        try
        {
            var info = ChildProcess.StartInfo(coldHost, ["VerifyOtp::VerifyOtp.Function::FunctionHandler", eventFile, "--hold"], environment ?? functionEnvironment);
            var run = await UntilAnswerAsync(info, line => line.Contains("\"statusCode\":", StringComparison.Ordinal), held: true);
            return run.Answer.Contains("\"statusCode\":404", StringComparison.Ordinal) ? run : throw new InvalidOperationException($"The managed host answered: {run.Answer}");
        }
        finally
        {
            File.Delete(eventFile);
        }
    }

    /// <summary>
    /// Starts the AOT bootstrap against a fresh fake Runtime API holding one generate event; the
    /// time is Process.Start to the moment the fake API has read the posted response. The bootstrap
    /// is then blocked in its next GET: its VmHWM is read, and it is killed.
    /// </summary>
    public async Task<ColdRun> AotAsync(string bootstrap, string address)
    {
        await using var api = FakeRuntimeApi.Start();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10).ToUnixTimeMilliseconds();
        api.Enqueue(new FakeInvocation(Guid.NewGuid().ToString(), SampleEvents.Generate(address), deadline, "Root=1-67d1dc9e-0123456789abcdef01234567;Sampled=0"));
        var environment = new Dictionary<string, string>(functionEnvironment)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = api.Address,
            ["_HANDLER"] = "GenerateOtp",
        };
        var info = ChildProcess.StartInfo(bootstrap, [], environment);
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {bootstrap}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            var post = await api.NextPostAsync(Limit);
            var ms = Stopwatch.GetElapsedTime(started, post.ReceivedAt).TotalMilliseconds;
            if (post.Kind != "response" || !Answered(post.Text))
            {
                throw new InvalidOperationException($"The bootstrap posted {post.Kind}: {post.Text}");
            }

            return new ColdRun(ms, ProcessMemory.PeakRssMib(process.Id));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The bootstrap posted nothing within {Limit}: {(process.HasExited ? await error : "(still running)")}");
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
