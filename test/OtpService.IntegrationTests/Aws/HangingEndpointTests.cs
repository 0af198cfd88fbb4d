using OtpService.Tests.Integration;
using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// Issue 9's deadline against a real hanging endpoint (<see cref="HangingEndpoint"/>: a socket that
/// accepts and never answers) in place of DynamoDB or SES, with the real handlers and clients:
/// the API answers 503 with Retry-After inside its budget, never a Lambda timeout; SendOtpEmail
/// starts no record it cannot finish, reports every record not mailed, and a retry mails each
/// exactly once. How long the answers take is a benchmark figure (deadline_* in
/// test/OtpService.Benchmarks), not an assertion here.
/// </summary>
public class HangingEndpointTests : IAsyncLifetime
{
    private EmulatorEndpoints _emulators = null!;
    private string _table = null!;
    private Dictionary<string, string> _env = null!;

    public async Task InitializeAsync()
    {
        _emulators = await EmulatorFixture.StartedAsync();
        _table = await _emulators.CreateTableAsync();
        _env = new Dictionary<string, string>(_emulators.LambdaEnvironment(_table)) { ["OTP_SIGNING_KEY"] = TestKeys.Development };
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private OtpServices Services(StringWriter logs, params (string Name, string Value)[] overrides)
    {
        var env = new Dictionary<string, string>(_env);
        foreach (var (name, value) in overrides)
        {
            env[name] = value;
        }

        return new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = logs };
    }

    private async Task IssueAsync(params string[] addresses)
    {
        var generate = new GenerateOtp.Function(Services(new StringWriter()));
        foreach (var address in addresses)
        {
            var result = await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", address).ToStream()));
            Assert.Equal(202, result.StatusCode);
        }
    }

    [Fact]
    public async Task Api_WithDynamoDbHanging_Answers503WithRetryAfter_NotALambdaTimeout()
    {
        await using var hanging = new HangingEndpoint();
        var logs = new StringWriter();
        // A 3 s function: 2 s budget, DynamoDB attempts of 0.25 s with one retry.
        var services = Services(logs, ("AWS_ENDPOINT_URL_DYNAMODB", hanging.Url.ToString()), ("OTP_FUNCTION_TIMEOUT_SECONDS", "3"));

        var generated = await ApiResult.ReadAsync(new GenerateOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", "hang@example.com").ToStream()));
        var verified = await ApiResult.ReadAsync(new VerifyOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", "hang@example.com").Query("otp", "123456").ToStream()));

        foreach (var result in new[] { generated, verified })
        {
            Assert.Equal((503, "unavailable"), (result.StatusCode, result.Status));
            Assert.Equal("2", result.Headers["Retry-After"]);
            Assert.DoesNotContain("127.0.0.1", result.Body.GetRawText(), StringComparison.Ordinal);
        }

        Assert.True(hanging.Connections >= 2, $"the functions must have called the hanging endpoint ({hanging.Connections} connections)");
        var lines = logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !EmfDocument.IsEmf(l)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(("ERROR", 503), (l.GetProperty("level").GetString(), l.GetProperty("httpStatus").GetInt32())));
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.GetProperty("errorType").GetString())));
        Assert.Equal(2, EmfDocument.MetricsIn(logs.ToString())[MetricNames.Unavailable]);
        // Nothing reached the real table.
        Assert.Empty((await TableStream.InsertsAsync(_emulators, _table, "hang@example.com")).Sequences);
    }

    [Fact]
    public async Task Sender_WithSesHanging_StartsNoRecordItCannotFinish_LosesNone_AndTheRetryMailsEachOnce()
    {
        string[] addresses = ["ses-hang-0@example.com", "ses-hang-1@example.com", "ses-hang-2@example.com", "ses-hang-3@example.com"];
        await IssueAsync(addresses);
        var (streamEvent, sequences) = await TableStream.InsertsAsync(_emulators, _table, addresses);
        await using var hanging = new HangingEndpoint();
        var logs = new StringWriter();
        // A 10 s sender: 9 s budget, a SendEmail call waits 1.8 s, a record needs 8.3 s to start.
        var sender = new SendOtpEmail.Function(Services(logs, ("AWS_ENDPOINT_URL_SESV2", hanging.Url.ToString()), ("OTP_FUNCTION_TIMEOUT_SECONDS", "10")));

        var failures = await TableStream.SendAsync(sender, streamEvent);

        // Every record is reported: the first timed out (transient), the rest were never started.
        Assert.Equal(sequences, failures);
        Assert.Equal(1, hanging.Connections);
        var metrics = EmfDocument.MetricsIn(logs.ToString());
        Assert.Equal((1, 3), (metrics[MetricNames.MailFailuresTransient], metrics[MetricNames.RecordsNotStarted]));
        foreach (var address in addresses)
        {
            Assert.Empty(await _emulators.SentMailAsync(address));
            Assert.Equal(0, await TableStream.ClaimsHeldAsync(_emulators, _table, address));
        }

        // SES answers again: Lambda's retry mails every code once; a redelivery mails nothing more.
        var recovered = new SendOtpEmail.Function(Services(new StringWriter(), ("OTP_FUNCTION_TIMEOUT_SECONDS", "30")));
        Assert.Empty(await TableStream.SendAsync(recovered, streamEvent));
        Assert.Empty(await TableStream.SendAsync(recovered, streamEvent));
        foreach (var address in addresses)
        {
            Assert.Single(await _emulators.WaitForMailAsync(address));
        }
    }

    [Fact]
    public async Task Sender_WithDynamoDbHanging_ReportsEveryRecord_SendsNothing_AndTheRetryMailsEachOnce()
    {
        string[] addresses = ["ddb-hang-0@example.com", "ddb-hang-1@example.com", "ddb-hang-2@example.com"];
        await IssueAsync(addresses);
        var (streamEvent, sequences) = await TableStream.InsertsAsync(_emulators, _table, addresses);
        await using var hanging = new HangingEndpoint();
        var logs = new StringWriter();
        var sender = new SendOtpEmail.Function(Services(logs, ("AWS_ENDPOINT_URL_DYNAMODB", hanging.Url.ToString()), ("OTP_FUNCTION_TIMEOUT_SECONDS", "10")));

        var failures = await TableStream.SendAsync(sender, streamEvent);

        Assert.Equal(sequences, failures);
        Assert.True(hanging.Connections >= 1);
        var metrics = EmfDocument.MetricsIn(logs.ToString());
        Assert.Equal(1, metrics[MetricNames.StoreUnavailable]);
        Assert.Equal(addresses.Length - 1, metrics[MetricNames.RecordsNotStarted]);
        foreach (var address in addresses)
        {
            Assert.Empty(await _emulators.SentMailAsync(address));
        }

        var recovered = new SendOtpEmail.Function(Services(new StringWriter(), ("OTP_FUNCTION_TIMEOUT_SECONDS", "30")));
        Assert.Empty(await TableStream.SendAsync(recovered, streamEvent));
        Assert.Empty(await TableStream.SendAsync(recovered, streamEvent));
        foreach (var address in addresses)
        {
            Assert.Single(await _emulators.WaitForMailAsync(address));
        }
    }
}
