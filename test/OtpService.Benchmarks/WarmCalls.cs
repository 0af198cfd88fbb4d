using System.Diagnostics;

namespace OtpService.Benchmarks;

/// <summary>
/// Warm calls in one process, as the seed's `harness.py bench N` does them: N x (generate for a
/// fresh address, verify it with the wrong code "000000"), real handlers, real DynamoDB client
/// against dynalite. The log lines go to /dev/null (written, like the seed's prints).
/// </summary>
internal static class WarmCalls
{
    public static async Task<double> MeanMsPerCallAsync(IReadOnlyDictionary<string, string> environment, int pairs)
    {
        // As in Lambda: the configuration is the process environment, read by the parameterless constructors.
        foreach (var (name, value) in environment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        var generate = new GenerateOtp.Function(OtpService.Core.Lambda.OtpServices.FromEnvironment(TimeProvider.System));
        var verify = new VerifyOtp.Function(OtpService.Core.Lambda.OtpServices.FromEnvironment(TimeProvider.System));
        var run = Guid.NewGuid().ToString("N")[..8];

        // JIT, tiering, connection pool: the same handler objects, warmed up as a busy Lambda container
        // is. 300 pairs (1,500 DynamoDB calls) let tiered compilation settle; with 50 the figure
        // was about a third JIT.
        await PairsAsync(generate, verify, $"warmup-{run}", 300);
        var started = Stopwatch.GetTimestamp();
        await PairsAsync(generate, verify, $"bench-{run}", pairs);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds / (2.0 * pairs);
    }

    private static async Task PairsAsync(GenerateOtp.Function generate, VerifyOtp.Function verify, string prefix, int pairs)
    {
        for (var i = 0; i < pairs; i++)
        {
            var address = $"{prefix}-{i}@example.com";
            await using var generated = await generate.FunctionHandler(new MemoryStream(SampleEvents.Generate(address), writable: false));
            await using var verified = await verify.FunctionHandler(new MemoryStream(SampleEvents.Verify(address, "000000"), writable: false));
            Expect(generated, "\"statusCode\":202");
            Expect(verified, "\"statusCode\":401");
        }
    }

    /// <summary>A rate limit or an outage would make the figure meaningless: stop instead.</summary>
    private static void Expect(Stream response, string status)
    {
        var text = new StreamReader(response).ReadToEnd();
        if (!text.Contains(status, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Expected {status} in the warm run, got {text}");
        }
    }
}
