using OtpService.Tests.Integration;
using System.Net;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Lambda;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using OtpService.Tests.Support;
using OtpService.Tests.Tokens;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// VerifyOtp with its token signed by KMS, when KMS fails at verify time: an outage (a refused
/// connection, a socket that accepts and never answers, throttling) answers 503 with Retry-After;
/// a wrong deployment (a key KMS does not know, a key of the wrong usage, a disabled key) answers
/// 500. Each writes one ERROR line naming the KMS error type and counts the outcome (EMF), and the
/// right code stays usable. The signer is built as init builds it (KmsJwsSigner.CreateAsync: the
/// public half of a real P-256 key in moto, read through a front, <see cref="SwitchableEndpoint"/>);
/// then its connections are renewed (as after a SnapStart restore) and KMS fails at verify time:
/// the front refuses, relays to a socket that drops or never answers, or the key's alias goes away.
/// moto does not check a key's state or usage at Sign, and never throttles, so the disabled key,
/// the wrong usage and throttling come from a stand-in answering as KMS documents.
/// </summary>
public class KmsFailureTests
{
    private const string Address = "kms-fault@example.com";
    private readonly StringWriter _logs = new();

    /// <summary>
    /// Issues a code; builds the KMS signer as init does, on a real P-256 key in moto (by an alias) read
    /// through a front; lets <paramref name="breakKms"/> make KMS fail (the front, and moto's client for
    /// the key's alias); verifies the code; returns the answer and the code's state.
    /// </summary>
    private async Task<(ApiResult Answer, JsonElement Line, Dictionary<string, double> Metrics, bool CodeStillUsable)> VerifyWithAsync(
        Func<SwitchableEndpoint, (AmazonKeyManagementServiceClient Admin, string Alias), Task> breakKms, int functionTimeoutSeconds = 10, int? kmsBudgetSeconds = null)
    {
        var moto = await MotoServer.SharedAsync();
        using var admin = TestConfiguration.Kms(Endpoint(moto.Endpoint).GetValueOrDefault);
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeyUsage = KeyUsageType.SIGN_VERIFY, KeySpec = KeySpec.ECC_NIST_P256 })).KeyMetadata.KeyId;
        var alias = $"alias/otp-service-fault-{Guid.NewGuid():N}";
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key });
        await using var front = new SwitchableEndpoint(moto.Endpoint, SwitchableEndpoint.Mode.Forwarding);

        var h = new RuleHarness(new OtpSettings { FunctionTimeoutSeconds = functionTimeoutSeconds });
        await h.Issuer.IssueAsync(Address, null, default);
        var code = h.CurrentCode(Address);
        using var kms = AwsClientFactory.Kms(ServiceConfiguration.ReadAwsSettings(Endpoint(front.Url).GetValueOrDefault), InvocationBudget.ForTimeout(kmsBudgetSeconds ?? functionTimeoutSeconds));
        var signer = await KmsJwsSigner.CreateAsync(kms, alias, default);
        // Init's GetPublicKey left a pooled connection to moto; drop it as a restored copy does, so the Sign meets the fault.
        AwsConnections.Renew();
        await breakKms(front, (admin, alias));
        var tokens = TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow), signer: signer);
        var function = new VerifyOtp.Function(h.Verifier, h.Settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), tokens);

        var answer = await ApiResult.ReadAsync(function.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code).ToStream()));

        var lines = _logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = JsonDocument.Parse(Assert.Single(lines, l => !EmfDocument.IsEmf(l))).RootElement.Clone();
        return (answer, line, EmfDocument.MetricsIn(_logs.ToString()), h.Store.Record(Address).UsedAt is null);
    }

    private static Dictionary<string, string> Endpoint(Uri url) => new()
    {
        ["AWS_ENDPOINT_URL_KMS"] = url.ToString(),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
    };

    private static void AssertUnavailable((ApiResult Answer, JsonElement Line, Dictionary<string, double> Metrics, bool CodeStillUsable) result, params string[] errorTypes)
    {
        Assert.Equal((503, "unavailable"), (result.Answer.StatusCode, result.Answer.Status));
        Assert.Equal($"{ApiResponses.UnavailableRetryAfterSeconds}", result.Answer.Headers["Retry-After"]);
        Assert.Equal("ERROR", result.Line.GetProperty("level").GetString());
        Assert.Contains(result.Line.GetProperty("errorType").GetString(), errorTypes);
        Assert.Equal(1, result.Metrics[MetricNames.Unavailable]);
        Assert.False(result.Metrics.ContainsKey(MetricNames.ConfigurationErrors));
        Assert.True(result.CodeStillUsable, "a signing failure must leave the code usable");
    }

    private static void AssertConfigurationError((ApiResult Answer, JsonElement Line, Dictionary<string, double> Metrics, bool CodeStillUsable) result, string errorType)
    {
        Assert.Equal((500, "internal_error"), (result.Answer.StatusCode, result.Answer.Status));
        Assert.DoesNotContain("KMS", result.Answer.Message, StringComparison.Ordinal);
        Assert.Equal(("ERROR", errorType), (result.Line.GetProperty("level").GetString(), result.Line.GetProperty("errorType").GetString()));
        Assert.StartsWith("KMS Sign was refused", result.Line.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((1, 1), (result.Metrics[MetricNames.InternalErrors], result.Metrics[MetricNames.ConfigurationErrors]));
        Assert.True(result.CodeStillUsable, "a signing failure must leave the code usable");
    }

    [MotoFact]
    public async Task AKeyKmsDoesNotKnow_Answers500_LoggedAndCounted()
    {
        // The alias init read the key by is deleted (a wrong template or a manual change).
        var result = await VerifyWithAsync((_, key) => key.Admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = key.Alias }));

        AssertConfigurationError(result, "NotFoundException");
    }

    [MotoFact]
    public async Task AKeyOfTheWrongUsage_Answers500_LoggedAndCounted()
    {
        // Stand-in: a key id that names a key of another usage answers Sign with InvalidKeyUsageException
        // (API_Sign.html). Init's GetPublicKey refuses such a key, and KMS refuses to point an alias at a key
        // of another usage, so only a stand-in can answer so at Sign; moto does not check usage at Sign.
        await using var kms = new RefusingAwsEndpoint(HttpStatusCode.BadRequest, "InvalidKeyUsageException", "arn:aws:kms:us-east-1:123456789012:key/abc key usage is ENCRYPT_DECRYPT which is not valid for Sign.");

        var result = await VerifyWithAsync((front, _) => front.ForwardToAsync(kms.Url));

        AssertConfigurationError(result, "InvalidKeyUsageException");
    }

    [MotoFact]
    public async Task ADisabledKey_Answers500_LoggedAndCounted()
    {
        // Stand-in: KMS answers a Sign with a disabled key "DisabledException" (API_Sign.html); moto does not check key state.
        await using var kms = new RefusingAwsEndpoint(HttpStatusCode.BadRequest, "DisabledException", "arn:aws:kms:us-east-1:123456789012:key/abc is disabled.");

        var result = await VerifyWithAsync((front, _) => front.ForwardToAsync(kms.Url));

        AssertConfigurationError(result, "DisabledException");
        Assert.Equal(1, kms.Requests);
    }

    [MotoFact]
    public async Task KmsThrottling_Answers503WithRetryAfter()
    {
        // Stand-in: KMS's request quota answers ThrottlingException (400); moto never throttles.
        await using var kms = new RefusingAwsEndpoint(HttpStatusCode.BadRequest, "ThrottlingException", "Rate exceeded");

        var result = await VerifyWithAsync((front, _) => front.ForwardToAsync(kms.Url));

        AssertUnavailable(result, "ThrottlingException");
        // The SDK retried once (InvocationBudget.KmsMaxErrorRetry), inside the budget.
        Assert.Equal(1 + InvocationBudget.KmsMaxErrorRetry, kms.Requests);
    }

    [MotoFact]
    public async Task KmsRefusingConnections_Answers503WithRetryAfter()
    {
        // A real fault: the port KMS answered on at init, with nothing listening any more.
        var result = await VerifyWithAsync((front, _) => front.SetAsync(SwitchableEndpoint.Mode.Refusing));

        AssertUnavailable(result, AwsFailureClassifier.ConnectionFailure, nameof(System.Net.Http.HttpRequestException), "AmazonClientException");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(28)]
    public void TheKmsClient_TakesItsTimeoutsFromTheBudget(int functionTimeoutSeconds)
    {
        var budget = InvocationBudget.ForTimeout(functionTimeoutSeconds);
        using var kms = AwsClientFactory.Kms(ServiceConfiguration.ReadAwsSettings(Endpoint(new Uri("http://127.0.0.1:1")).GetValueOrDefault), budget);

        var config = (AmazonKeyManagementServiceConfig)kms.Config;
        Assert.Equal((budget.KmsAttemptTimeout, budget.KmsAttemptTimeout), (config.Timeout, config.ConnectTimeout));
        Assert.Equal((InvocationBudget.KmsMaxErrorRetry, Amazon.Runtime.RequestRetryMode.Standard), (config.MaxErrorRetry, config.RetryMode));
        // No resend outside MaxErrorRetry (AwsClientFactory says why).
        Assert.Equal(0, config.MaxStaleConnectionRetries);
    }

    [MotoFact]
    public async Task KmsDroppingEveryRequest_Answers503_AfterExactlyOneRetry()
    {
        // A real fault: every connection is read and closed unanswered, so each attempt ends on
        // "The response ended prematurely". AWSSDK.Core counts that as a stale pooled connection and
        // resends up to 10 times without backoff and outside MaxErrorRetry unless
        // MaxStaleConnectionRetries is 0; with it, 1 attempt and KmsMaxErrorRetry retry, as planned.
        await using var dropping = new ClosingEndpoint();

        var result = await VerifyWithAsync((front, _) => front.ForwardToAsync(dropping.Url));

        AssertUnavailable(result, "HttpIOException", "IOException");
        Assert.Equal(1 + InvocationBudget.KmsMaxErrorRetry, dropping.Connections);
    }

    [MotoFact]
    public async Task KmsHanging_Answers503WithRetryAfter_InsideTheBudget()
    {
        // A real fault: a socket that accepts and never answers. A 3 s function: KMS attempts of
        // 0.25 s with one retry end well inside its 2 s budget, so the answer is ours, not Lambda's timeout.
        await using var hanging = new HangingEndpoint();

        var result = await VerifyWithAsync((front, _) => front.ForwardToAsync(hanging.Url), functionTimeoutSeconds: 3);

        AssertUnavailable(result, AwsFailureClassifier.Timeout, "DeadlineExceeded");
        // At most 1 attempt and KmsMaxErrorRetry retry. Fewer only when a loaded machine lets the 2 s
        // budget run out before the retry starts (the answer is then DeadlineExceeded); the exact
        // count, with a budget that cannot run out first, is the next test's.
        Assert.InRange(hanging.Connections, 1, 1 + InvocationBudget.KmsMaxErrorRetry);
    }

    [MotoFact]
    public async Task KmsHanging_GetsExactlyOneAttemptAndOneRetry()
    {
        // The KMS client of a 3 s function (0.25 s attempts, one retry) inside a 28 s budget, so the
        // SDK's own retries end the call, never the deadline. Each attempt ends on HttpClient's timeout,
        // which sometimes surfaces as "The response ended prematurely": before AwsClientFactory set
        // MaxStaleConnectionRetries to 0 the SDK took that for a stale pooled connection and resent
        // without counting it, which is the third (and fourth) connection once seen here.
        await using var hanging = new HangingEndpoint();

        var result = await VerifyWithAsync((front, _) => front.ForwardToAsync(hanging.Url), functionTimeoutSeconds: 28, kmsBudgetSeconds: 3);

        AssertUnavailable(result, AwsFailureClassifier.Timeout);
        Assert.Equal(1 + InvocationBudget.KmsMaxErrorRetry, hanging.Connections);
    }
}
