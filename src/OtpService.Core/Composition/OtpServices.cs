using Amazon.DynamoDBv2;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Deadlines;
using OtpService.Core.Email;
using OtpService.Core.Logging;
using OtpService.Core.Otp;
using OtpService.Core.Ports;
using OtpService.Core.Storage;
using OtpService.Core.Tokens;

namespace OtpService.Core.Composition;

/// <summary>
/// Builds the real dependencies from environment variables, once per Lambda container (the
/// handlers' parameterless constructors call this; tests and the local runner pass their own).
/// Client timeouts come from the function's <see cref="InvocationBudget"/>, so every AWS call fits
/// inside the time an invocation has.
/// </summary>
public sealed class OtpServices
{
    private readonly Func<string, string?> _environment;

    public OtpServices(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        Settings = OtpSettings.FromVariables(environment);
        Budget = InvocationBudget.ForTimeout(Settings.FunctionTimeoutSeconds);
        LogOutput = FunctionOutput.For(environment);
    }

    public static OtpServices FromEnvironment() => new(Environment.GetEnvironmentVariable);

    public OtpSettings Settings { get; }

    /// <summary>The per-invocation budget and the client timeouts derived from OTP_FUNCTION_TIMEOUT_SECONDS.</summary>
    public InvocationBudget Budget { get; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the handlers' JSON log lines and EMF metric lines go: in Lambda, file descriptor 1
    /// directly (see <see cref="FunctionOutput"/>); elsewhere <see cref="Console.Out"/>.
    /// </summary>
    public TextWriter LogOutput { get; init; }

    public InvocationLog CreateLog(string function) => new(LogOutput, function, _environment(FunctionOutput.LambdaFunctionNameVariable));

    /// <summary>The settings, checked for what only the sender needs: a From address, and a timeout long enough to mail one record.</summary>
    public OtpSettings RequireSender()
    {
        if (Settings.SenderAddress is null)
        {
            throw new InvalidOperationException("OTP_SENDER_ADDRESS must be set to the SES-verified address mails are sent from.");
        }

        if (Budget.MailRecordAllowance > Budget.Budget)
        {
            throw new InvalidOperationException(
                $"OTP_FUNCTION_TIMEOUT_SECONDS is {Settings.FunctionTimeoutSeconds}: too short for SendOtpEmail to claim, send and mark one mail "
                + $"({Budget.MailRecordAllowance.TotalSeconds:0.##} s needed within a budget of {Budget.Budget.TotalSeconds:0.##} s). Give it at least 8 seconds.");
        }

        return Settings;
    }

    public IOtpStore CreateStore() => new DynamoDbOtpStore(CreateDynamoDbClient(_environment, Budget), Settings.TableName);

    /// <summary>
    /// The code derivation under the HMAC key ring (Secrets Manager's AWSCURRENT and AWSPREVIOUS in AWS,
    /// re-read every <see cref="OtpCode.DefaultRefreshInterval"/> and after a SnapStart restore; a development key locally).
    /// </summary>
    /// <param name="log">The function's log: a failed refresh writes one WARN line with the error type and counts
    /// <see cref="MetricNames.KeyRefreshFailures"/> (the ring in use keeps serving, so no request fails for it).</param>
    public OtpCode CreateCodes(InvocationLog? log = null) =>
        new(SigningKeyLoader.LoadKeyRing(_environment), SigningKeyLoader.RefreshSource(_environment, Budget.SecretsManagerRefreshTimeout), Clock,
            refreshFailed: log is null ? null : failure => LogRefreshFailure(log, failure));

    /// <summary>One WARN line (error type, whether it is an outage or a configuration error) and one count.</summary>
    public static void LogRefreshFailure(InvocationLog log, KeySourceUnavailableException failure)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(failure);
        log.Write("WARN",
        [
            new("event", "key_refresh_failed"),
            new("errorType", failure.ErrorType),
            new("failureClass", failure.Retryable ? "transient" : "configuration"),
            new("error", failure.Message),
        ]);
        log.WriteMetrics([new("key_refresh_failed", 1)]);
    }

    /// <summary>
    /// The token issuer and JWKS: the KMS signing key (and the other key of a rotation) in AWS, the
    /// development ES256 key locally; the subject key; the token settings. The KMS client's timeouts
    /// come from <see cref="Budget"/>, so a Sign at verify time fits inside the invocation.
    /// </summary>
    public IdentityTokens CreateTokens()
    {
        var settings = TokenSettings.FromVariables(_environment);
        var keys = TokenSigningKeyLoader.Load(_environment, Budget);
        return new IdentityTokens(keys.Signer, new SubjectIdentifiers(SubjectKeyLoader.LoadSubjectKey(_environment)), settings, keys.OtherPublishedKeys, Clock);
    }

    /// <summary>The caller pseudonyms for the per-client limits (a Secrets Manager key in AWS, a development key locally).</summary>
    public ClientTagger CreateClientTagger() => new(ClientKeyLoader.LoadClientKey(_environment));

    public IEmailSender CreateEmailSender() => SesV2EmailSender.FromEnvironment(_environment, Budget.SesCallTimeout);

    /// <summary>
    /// The DynamoDB client: each attempt waits at most <see cref="InvocationBudget.DynamoDbAttemptTimeout"/>,
    /// with <see cref="InvocationBudget.DynamoDbMaxErrorRetry"/> retry in the SDK's standard mode, so one call
    /// ends within <see cref="InvocationBudget.DynamoDbCallLimit"/>; the invocation's deadline token cancels the rest.
    /// </summary>
    public static AmazonDynamoDBClient CreateDynamoDbClient(Func<string, string?> environment, InvocationBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        budget ??= InvocationBudget.ForTimeout(new OtpSettings().FunctionTimeoutSeconds);
        var config = new AmazonDynamoDBConfig
        {
            Timeout = budget.DynamoDbAttemptTimeout,
            ConnectTimeout = budget.DynamoDbAttemptTimeout,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = InvocationBudget.DynamoDbMaxErrorRetry,
            // Pools the runtime drops after a SnapStart restore (AwsConnections).
            HttpClientFactory = AwsConnections.SdkHttpClients,
        };
        // The SDKs' own convention for local endpoints; set only for emulators.
        if ((environment("AWS_ENDPOINT_URL_DYNAMODB") ?? environment("AWS_ENDPOINT_URL")) is { Length: > 0 } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = environment("AWS_REGION") ?? environment("AWS_DEFAULT_REGION") ?? "us-east-1";
        }

        return new AmazonDynamoDBClient(config);
    }
}
