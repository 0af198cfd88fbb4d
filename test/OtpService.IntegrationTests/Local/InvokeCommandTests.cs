using System.Globalization;
using System.Text.Json;
using OtpService.Local.Emulators;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>`invoke` as a process, on the sample events in events/ (emulators started on free ports for each call).</summary>
public sealed class InvokeCommandTests
{
    [Theory]
    [InlineData("GenerateOtp", "events/generate-otp.json")]
    [InlineData("VerifyOtp", "events/verify-otp.json")]
    [InlineData("SendOtpEmail", "events/otp-inserted.json")]
    public async Task Invoke_WithEachSampleEvent_PrintsTheFunctionsJsonResponse(string function, string eventFile)
    {
        Assert.True(File.Exists(Path.Combine(LocalRunnerProcess.RepositoryRootPath, eventFile)), $"{eventFile} is missing");

        var (exitCode, output, errors) = await InvokeAsync(function, "--event", eventFile);

        Assert.True(exitCode == 0, $"exit {exitCode}: {errors}");
        using var response = JsonDocument.Parse(output);
        if (function != "SendOtpEmail")
        {
            Assert.True(response.RootElement.TryGetProperty("statusCode", out _), output);
        }
    }

    [Fact]
    public async Task Invoke_UnknownFunction_ExitsNonZeroListingTheKnownOnes()
    {
        var (exitCode, _, errors) = await InvokeAsync("NoSuchFunction", "--event", "events/generate-otp.json");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("GenerateOtp", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UnreadableEvent_ExitsNonZero()
    {
        var (exitCode, _, errors) = await InvokeAsync("GenerateOtp", "--event", "events/does-not-exist.json");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("does-not-exist.json", errors, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> InvokeAsync(params string[] args)
    {
        var ports = new[] { "--dynamodb-port", Text(Ports.FreePort()), "--ses-port", Text(Ports.FreePort()) };
        await using var runner = LocalRunnerProcess.Start(["invoke", .. args, .. ports]);
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);
        return (exitCode, runner.Output, runner.Errors);
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
