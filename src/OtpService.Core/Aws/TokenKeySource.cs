namespace OtpService.Core.Aws;

/// <summary>Where the token-signing key is configured, as read at init (trimmed; unset or empty: null).</summary>
/// <param name="KmsKeyId">OTP_TOKEN_SIGNING_KEY_ID: the KMS key that signs (AWS, TokenSigningKeyStore KMS).</param>
/// <param name="RotationKeyId">OTP_TOKEN_ROTATION_KEY_ID: the other KMS key the JWKS publishes during a rotation.</param>
/// <param name="LocalKeyPem">OTP_TOKEN_SIGNING_KEY: a P-256 private key in PEM (local development). <see cref="ToString"/> never shows it.</param>
/// <param name="SecretArn">OTP_TOKEN_SIGNING_KEY_SECRET_ARN: the Secrets Manager secret holding the keys (AWS, TokenSigningKeyStore SecretsManager, the default).</param>
public sealed record TokenKeySource(string? KmsKeyId, string? RotationKeyId, string? LocalKeyPem, string? SecretArn = null)
{
    public override string ToString() => $"token key: {KmsKeyId ?? SecretArn ?? (LocalKeyPem is null ? "none" : "local key")}";
}
