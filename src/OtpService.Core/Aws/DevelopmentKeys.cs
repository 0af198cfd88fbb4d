namespace OtpService.Core.Aws;

/// <summary>
/// The fixed development keys the local runner sets when no key is configured. They are public
/// (in this repository) and protect nothing, so the loaders refuse them when the code runs in
/// Lambda (<see cref="LambdaFunctionNameVariable"/> is set).
/// </summary>
public static class DevelopmentKeys
{
    /// <summary>The HMAC key for codes (OTP_SIGNING_KEY) in local development.</summary>
    public const string CodeKey = "local-development-key-not-for-production-use-000000";

    /// <summary>The key for the token's <c>sub</c> (OTP_SUBJECT_KEY) in local development.</summary>
    public const string SubjectKey = "local-development-subject-key-not-for-production-00";

    /// <summary>The key that pseudonymizes callers (OTP_CLIENT_KEY) in local development.</summary>
    public const string ClientKey = "local-development-client-key-not-for-production-use";

    /// <summary>
    /// The ES256 token-signing key (OTP_TOKEN_SIGNING_KEY) in local development: a P-256 private key,
    /// PKCS#8 PEM. Tokens it signs prove nothing; in AWS tokens are signed by KMS.
    /// </summary>
    public const string TokenSigningKeyPem = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKPRfN8Gejx2SAbig
        kQDOj+zq/s2ZF7lm9Ojbv+ThJMahRANCAASX6LWOz9dnPgCBqnvxGE0Z1f3LUzDK
        cqU/kJg7+deQLnSdnD2moPowL4FR3Pq4T/L2plrJaUOTLDp93UNU+ZDu
        -----END PRIVATE KEY-----
        """;

    /// <summary>Set by Lambda in every function's environment (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).</summary>
    public const string LambdaFunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME";
}
