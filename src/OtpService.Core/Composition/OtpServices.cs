using Amazon.DynamoDBv2;
using OtpService.Core.Aws;
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
/// </summary>
public sealed class OtpServices
{
    private readonly Func<string, string?> _environment;

    public OtpServices(Func<string, string?> environment)
    {
        _environment = environment;
        Settings = OtpSettings.FromVariables(environment);
    }

    public static OtpServices FromEnvironment() => new(Environment.GetEnvironmentVariable);

    public OtpSettings Settings { get; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where the handlers' JSON log lines go: stdout, which Lambda ships to CloudWatch Logs.</summary>
    public TextWriter LogOutput { get; init; } = Console.Out;

    public InvocationLog CreateLog(string function) => new(LogOutput, function);

    /// <summary>The settings, checked for what only the sender needs.</summary>
    public OtpSettings RequireSender() => Settings.SenderAddress is null
        ? throw new InvalidOperationException("OTP_SENDER_ADDRESS must be set to the SES-verified address mails are sent from.")
        : Settings;

    public IOtpStore CreateStore() => new DynamoDbOtpStore(CreateDynamoDbClient(_environment), Settings.TableName);

    /// <summary>
    /// The code derivation under the HMAC key ring (Secrets Manager's AWSCURRENT and AWSPREVIOUS in AWS,
    /// re-read every <see cref="OtpCode.DefaultRefreshInterval"/> and after a SnapStart restore; a development key locally).
    /// </summary>
    public OtpCode CreateCodes() =>
        new(SigningKeyLoader.LoadKeyRing(_environment), SigningKeyLoader.RefreshSource(_environment), Clock);

    /// <summary>
    /// The token issuer and JWKS: the KMS signing key (and the other key of a rotation) in AWS, the
    /// development ES256 key locally; the subject key; the token settings.
    /// </summary>
    public IdentityTokens CreateTokens()
    {
        var settings = TokenSettings.FromVariables(_environment);
        var keys = TokenSigningKeyLoader.Load(_environment);
        return new IdentityTokens(keys.Signer, new SubjectIdentifiers(SubjectKeyLoader.LoadSubjectKey(_environment)), settings, keys.OtherPublishedKeys, Clock);
    }

    /// <summary>The caller pseudonyms for the per-client limits (a Secrets Manager key in AWS, a development key locally).</summary>
    public ClientTagger CreateClientTagger() => new(ClientKeyLoader.LoadClientKey(_environment));

    public IEmailSender CreateEmailSender() => SesV2EmailSender.FromEnvironment(_environment);

    public static AmazonDynamoDBClient CreateDynamoDbClient(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var config = new AmazonDynamoDBConfig
        {
            // A request waits at most this long per try; the SDK retries throttling and 5xx on its own.
            Timeout = TimeSpan.FromSeconds(3),
            MaxErrorRetry = 2,
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
