using OtpService.Core.Aws;

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

    /// <summary>Sets the variables; returns notes worth printing (which defaults were applied).</summary>
    /// <param name="dynamoDbEndpoint">dynalite.</param>
    /// <param name="sesEndpoint">aws-ses-v2-local.</param>
    /// <param name="apiBaseUrl">The runner's API (start-api): the tokens' issuer unless OTP_TOKEN_ISSUER is set; null for invoke, where the event's domain name gives it.</param>
    public static IReadOnlyList<string> Apply(Uri dynamoDbEndpoint, Uri sesEndpoint, Uri? apiBaseUrl = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDbEndpoint);
        ArgumentNullException.ThrowIfNull(sesEndpoint);
        var notes = new List<string>();
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_DYNAMODB", dynamoDbEndpoint.ToString().TrimEnd('/'));
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SESV2", sesEndpoint.ToString().TrimEnd('/'));
        SetIfUnset("AWS_REGION", "us-east-1");
        SetIfUnset("AWS_DEFAULT_REGION", Environment.GetEnvironmentVariable("AWS_REGION")!);

        // The emulators check no signature; dummies keep the SDK's credential chain from searching further.
        SetIfUnset("AWS_ACCESS_KEY_ID", "local");
        SetIfUnset("AWS_SECRET_ACCESS_KEY", "local");

        SetIfUnset("OTP_SENDER_ADDRESS", DefaultSender);
        if (SetIfUnset("OTP_SIGNING_KEY", DevelopmentSigningKey))
        {
            notes.Add("OTP_SIGNING_KEY is not set: using the fixed development key (public, for this machine only; never deploy it).");
        }

        // Tokens: a development ES256 key in place of KMS, and a development subject key. Both public.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TokenSigningKeyLoader.KmsKeyVariable))
            && SetIfUnset(TokenSigningKeyLoader.LocalKeyVariable, DevelopmentKeys.TokenSigningKeyPem))
        {
            notes.Add("OTP_TOKEN_SIGNING_KEY is not set: tokens are signed with the fixed development ES256 key (public; they prove nothing).");
        }

        SetIfUnset(SubjectKeyLoader.LocalKeyVariable, DevelopmentKeys.SubjectKey);
        if (apiBaseUrl is not null)
        {
            SetIfUnset(Core.Tokens.TokenSettings.IssuerVariable, apiBaseUrl.ToString().TrimEnd('/'));
        }

        return notes;
    }

    /// <summary>The region the handlers will use (for stream record fields).</summary>
    public static string Region => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

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
