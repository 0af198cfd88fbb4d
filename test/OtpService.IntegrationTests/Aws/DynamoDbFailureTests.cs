using OtpService.Tests.Integration;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// DynamoDB failures produced for real: dynalite answers ResourceNotFoundException for a table that
/// does not exist (a configuration error: 500, logged with its type, nothing internal in the body),
/// and a closed port refuses the connection (unavailable: 503 with Retry-After).
/// </summary>
public class DynamoDbFailureTests
{
    [Fact]
    public async Task MissingTable_Answers500InternalError_LoggingResourceNotFound()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var env = new Dictionary<string, string>(emulators.LambdaEnvironment($"no_such_table_{Guid.NewGuid():N}")) { ["OTP_SIGNING_KEY"] = TestKeys.Development };
        var logs = new StringWriter();
        var services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = logs };

        var generated = await ApiResult.ReadAsync(new GenerateOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", "cfg@example.com").ToStream()));
        var verified = await ApiResult.ReadAsync(new VerifyOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", "cfg@example.com").Query("otp", "123456").ToStream()));

        foreach (var result in new[] { generated, verified })
        {
            Assert.Equal((500, "internal_error"), (result.StatusCode, result.Status));
            Assert.False(result.Headers.ContainsKey("Retry-After"));
            Assert.DoesNotContain("no_such_table", result.Body.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("Resource", result.Body.GetRawText(), StringComparison.Ordinal);
        }

        var lines = logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !EmfDocument.IsEmf(l)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l => Assert.Equal("ResourceNotFoundException", l.GetProperty("errorType").GetString()));
        Assert.Equal(2, EmfDocument.MetricsIn(logs.ToString())[MetricNames.InternalErrors]);
    }

    [Fact]
    public async Task RefusedConnection_Answers503WithRetryAfter()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var env = new Dictionary<string, string>(emulators.LambdaEnvironment("otp_holder"))
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:1",
        };
        var services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = new StringWriter() };

        var result = await ApiResult.ReadAsync(new GenerateOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", "down@example.com").ToStream()));

        Assert.Equal((503, "unavailable", "2"), (result.StatusCode, result.Status, result.Headers["Retry-After"]));
    }

    [Fact]
    public async Task DroppedRequests_Answer503_AfterExactlyOneRetry()
    {
        // A real fault: every connection is read and closed unanswered. Without AwsClientFactory the SDK
        // takes "The response ended prematurely" for a stale pooled connection and resends up to 10
        // more times outside MaxErrorRetry; with it, DynamoDbMaxErrorRetry retry and no more.
        await using var dropping = new ClosingEndpoint();
        var emulators = await EmulatorFixture.StartedAsync();
        var env = new Dictionary<string, string>(emulators.LambdaEnvironment("otp_holder"))
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = dropping.Url.ToString(),
        };
        var services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = new StringWriter() };
        using var client = AwsClientFactory.DynamoDb(ServiceConfiguration.ReadAwsSettings(env.GetValueOrDefault), services.Budget);
        var store = new OtpService.Core.Aws.DynamoDbOtpStore(client, "otp_holder");

        await Failures.ThrowsAsync(OtpService.Core.Rules.Dependency.DynamoDB, OtpService.Core.Rules.FailureKind.Transient, () => store.LoadAddressAsync("dropped@example.com", CancellationToken.None));

        Assert.Equal(1 + OtpService.Core.Rules.InvocationBudget.DynamoDbMaxErrorRetry, dropping.Connections);
        Assert.Equal(0, ((Amazon.DynamoDBv2.AmazonDynamoDBConfig)client.Config).MaxStaleConnectionRetries);
    }
}
