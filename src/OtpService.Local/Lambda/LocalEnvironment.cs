using OtpService.Core.Aws;
using OtpService.Local.Commands;

namespace OtpService.Local.Lambda;

/// <summary>
/// The environment the in-process handlers read: the emulators' endpoints always (so nothing
/// local ever reaches AWS), and development defaults for what the user did not set.
/// </summary>
internal static class LocalEnvironment
{
    /// <summary>Used when OTP_SIGNING_KEY is unset. Public on purpose: it protects nothing (refused in Lambda).</summary>
    public const string DevelopmentSigningKey = DevelopmentKeys.CodeKey;

    public const string DefaultSender = "no-reply@example.com";

    /// <summary>
    /// The functions' timeout locally when OTP_FUNCTION_TIMEOUT_SECONDS is unset (AWS: the template's
    /// 10 s for the API, 30 s for the sender). Emulators on a busy laptop answer in seconds where
    /// DynamoDB answers in milliseconds; with AWS's budget a newcomer would see 503s for a slow emulator.
    /// </summary>
    public const int FunctionTimeoutSeconds = 60;

    /// <summary>
    /// The cap on every AWS client timeout locally when OTP_AWS_TIMEOUT_CAP_SECONDS is unset: no cap
    /// below the budget's shares (a DynamoDB attempt gets 54/8 = 6.75 s instead of AWS's 2 s at most).
    /// </summary>
    public const int AwsTimeoutCapSeconds = FunctionTimeoutSeconds;

    /// <summary>
    /// Sets the variables: DynamoDB and SES v2 endpoints always; KMS and Secrets Manager when
    /// given (<c>AWS_ENDPOINT_URL_KMS</c>, <c>AWS_ENDPOINT_URL_SECRETS_MANAGER</c>, the SDKs'
    /// names); region, dummy credentials, sender, development keys and a local function timeout
    /// (<see cref="FunctionTimeoutSeconds"/>, <see cref="AwsTimeoutCapSeconds"/>) only when unset.
    /// Returns notes worth printing (which defaults were applied).
    /// </summary>
    /// <param name="dynamoDbEndpoint">dynalite, or the user's DynamoDB endpoint.</param>
    /// <param name="sesEndpoint">aws-ses-v2-local, or the user's SES endpoint.</param>
    /// <param name="others">KMS and Secrets Manager endpoints the user gave, if any.</param>
    /// <param name="apiBaseUrl">The runner's API (start-api): the tokens' issuer unless OTP_TOKEN_ISSUER is set; null for invoke, where the event's domain name gives it.</param>
    public static IReadOnlyList<string> Apply(Uri dynamoDbEndpoint, Uri sesEndpoint, ServiceEndpoints? others = null, Uri? apiBaseUrl = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDbEndpoint);
        ArgumentNullException.ThrowIfNull(sesEndpoint);
        var notes = new List<string>();
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_DYNAMODB", Text(dynamoDbEndpoint));
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SESV2", Text(sesEndpoint));
        if (others?.Kms is { } kms)
        {
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_KMS", Text(kms));
        }

        if (others?.SecretsManager is { } secretsManager)
        {
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SECRETS_MANAGER", Text(secretsManager));
        }

        SetIfUnset("AWS_REGION", "us-east-1");
        SetIfUnset("AWS_DEFAULT_REGION", Environment.GetEnvironmentVariable("AWS_REGION")!);

        // The emulators check no signature; dummies keep the SDK's credential chain from searching further.
        SetIfUnset("AWS_ACCESS_KEY_ID", "local");
        SetIfUnset("AWS_SECRET_ACCESS_KEY", "local");

        SetIfUnset("OTP_SENDER_ADDRESS", DefaultSender);

        // Room for slow emulators (see the constants); a hang still ends in a 503 inside the budget.
        SetIfUnset("OTP_FUNCTION_TIMEOUT_SECONDS", FunctionTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SetIfUnset("OTP_AWS_TIMEOUT_CAP_SECONDS", AwsTimeoutCapSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTP_SIGNING_KEY_SECRET_ARN")) && SetIfUnset("OTP_SIGNING_KEY", DevelopmentSigningKey))
        {
            notes.Add("OTP_SIGNING_KEY is not set: using the fixed development key (public, for this machine only; never deploy it).");
        }

        // Tokens: a development ES256 key in memory (as the default store signs in AWS, without the secret),
        // unless a KMS key or a secret in an emulator is named; and a development subject key. Both public.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TokenSigningKeyLoader.KmsKeyVariable))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TokenSigningKeyLoader.SecretArnVariable))
            && SetIfUnset(TokenSigningKeyLoader.LocalKeyVariable, DevelopmentKeys.TokenSigningKeyPem))
        {
            notes.Add("OTP_TOKEN_SIGNING_KEY is not set: tokens are signed with the fixed development ES256 key (public; they prove nothing).");
        }

        // The other two HMAC keys: development keys, public like the code key (refused in Lambda).
        SetIfUnset(HmacKey.Subject.LocalKeyVariable, DevelopmentKeys.SubjectKey);
        SetIfUnset(HmacKey.Client.LocalKeyVariable, DevelopmentKeys.ClientKey);
        if (apiBaseUrl is not null)
        {
            SetIfUnset(Core.Tokens.TokenSettings.IssuerVariable, apiBaseUrl.ToString().TrimEnd('/'));
        }

        return notes;
    }

    /// <summary>The region the handlers will use (for stream record fields).</summary>
    public static string Region => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

    private static string Text(Uri endpoint) => endpoint.ToString().TrimEnd('/');

    private static bool SetIfUnset(string name, string value)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
        {
            return false;
        }

        Environment.SetEnvironmentVariable(name, value);
        return true;
    }
}
