using System.Diagnostics;
using System.Text.Json;
using OtpService.Core.Logging;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// What reaches the function's stdout, in a real process whose Console.Out is wrapped the way the
/// managed runtime wraps it under LogFormat Text (ColdHost --runtime-console: every WriteLine gets
/// "time\trequest id\tinfo\t" in front). In Lambda (AWS_LAMBDA_FUNCTION_NAME set) the function's
/// JSON log line and EMF line must arrive whole, so CloudWatch parses the one and extracts the
/// other; the host's own control line shows the wrapper was in place.
/// </summary>
public class LambdaStdoutTests
{
    private const string DeployedName = "otp-stdout-GenerateOtp";

    [Fact]
    public async Task InLambda_LogAndEmfLinesBypassTheRuntimesConsoleWrapper()
    {
        var lines = await RunGenerateAsync(inLambda: true);

        Assert.Contains(lines, l => l.EndsWith("\tinfo\thost control line", StringComparison.Ordinal));
        var log = Assert.Single(lines, l => l.StartsWith("{\"time\"", StringComparison.Ordinal));
        using (var json = JsonDocument.Parse(log))
        {
            Assert.Equal(("GenerateOtp", "sent"), (json.RootElement.GetProperty("function").GetString(), json.RootElement.GetProperty("outcome").GetString()));
        }

        var emf = Assert.Single(lines, l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal));
        Assert.Empty(EmfDocument.Problems(emf));
        Assert.Equal(DeployedName, EmfDocument.Member(emf, MetricNames.FunctionDimension));
        Assert.Equal(1, EmfDocument.Metrics(emf)[MetricNames.CodesIssued]);
    }

    [Fact]
    public async Task OutsideLambda_TheSameLinesGoThroughConsoleOut_AndSoWouldBePrefixed()
    {
        // The control case: without AWS_LAMBDA_FUNCTION_NAME the functions write to Console.Out (so a
        // local host can redirect them), and under the runtime's wrapper every line loses its JSON shape.
        var lines = await RunGenerateAsync(inLambda: false);

        Assert.DoesNotContain(lines, l => l.StartsWith('{') && !l.StartsWith("{\"statusCode\"", StringComparison.Ordinal));
        var emf = Assert.Single(lines, l => l.Contains("\"_aws\"", StringComparison.Ordinal));
        Assert.NotEmpty(EmfDocument.Problems(emf));
    }

    private static async Task<List<string>> RunGenerateAsync(bool inLambda)
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        var eventFile = Path.Combine(Path.GetTempPath(), $"generate-{Guid.NewGuid():N}.json");
        await using (var stream = ApiEvent.Get("/otp/generate").Query("email_address", $"stdout-{Guid.NewGuid():N}@example.com").ToStream())
        await using (var file = File.Create(eventFile))
        {
            await stream.CopyToAsync(file);
        }

        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "OtpService.Benchmarks.ColdHost.dll"));
            start.ArgumentList.Add("GenerateOtp::GenerateOtp.Function::FunctionHandler");
            start.ArgumentList.Add(eventFile);
            start.ArgumentList.Add("--runtime-console");
            foreach (var (name, value) in emulators.LambdaEnvironment(table))
            {
                start.Environment[name] = value;
            }

            start.Environment.Remove("AWS_LAMBDA_FUNCTION_NAME");
            // In Lambda the per-client limits' key must come from configuration (the development key is refused there).
            start.Environment["OTP_CLIENT_KEY"] = "lambda-stdout-test-client-key-0123456789abcdef";
            if (inLambda)
            {
                start.Environment["AWS_LAMBDA_FUNCTION_NAME"] = DeployedName;
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            try
            {
                using var timeout = new CancellationTokenSource(Patience.Wait);
                await process.WaitForExitAsync(timeout.Token);
            }
            finally
            {
                // Not left running when the wait fails.
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }

            Assert.True(process.ExitCode == 0, $"ColdHost exited {process.ExitCode}: {await errors}");
            var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
            Assert.Contains(lines, l => l.StartsWith("{\"statusCode\":202", StringComparison.Ordinal));
            return lines;
        }
        finally
        {
            File.Delete(eventFile);
        }
    }
}
