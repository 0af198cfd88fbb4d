using Amazon.KeyManagementService;
using OtpService.Core.Tokens;

namespace OtpService.Core.Aws;

/// <summary>
/// The token-signing key: in AWS the KMS key named by OTP_TOKEN_SIGNING_KEY_ID (kms:Sign) plus,
/// during a rotation, the other published key OTP_TOKEN_ROTATION_KEY_ID (kms:GetPublicKey only);
/// locally a P-256 private key in OTP_TOKEN_SIGNING_KEY (PEM), which is refused in Lambda: there the
/// functions never hold a private key.
/// </summary>
public static class TokenSigningKeyLoader
{
    public const string KmsKeyVariable = "OTP_TOKEN_SIGNING_KEY_ID";
    public const string RotationKeyVariable = "OTP_TOKEN_ROTATION_KEY_ID";
    public const string LocalKeyVariable = "OTP_TOKEN_SIGNING_KEY";

    /// <summary>The signer and every other key the JWKS publishes.</summary>
    public sealed record Loaded(IJwsSigner Signer, IReadOnlyList<PublicSigningKey> OtherPublishedKeys);

    /// <summary>Loads once, at cold start (blocking on KMS GetPublicKey: a constructor cannot await).</summary>
    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="budget">The function's budget: the KMS client's timeouts come from it, so a Sign fits inside an invocation.</param>
    public static Loaded Load(Func<string, string?> environment, Deadlines.InvocationBudget? budget = null) =>
        LoadAsync(environment, e => KmsJwsSigner.CreateClient(e, budget), CancellationToken.None).GetAwaiter().GetResult(); // Sync over async on purpose: cold start.

    /// <exception cref="InvalidOperationException">No key configured, a bad key, or a private key in Lambda.</exception>
    /// <exception cref="Ports.TokenSigningException">KMS GetPublicKey failed (classified by <see cref="KmsErrorClassification"/>).</exception>
    public static async Task<Loaded> LoadAsync(
        Func<string, string?> environment,
        Func<Func<string, string?>, IAmazonKeyManagementService> kmsClient,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(kmsClient);
        if (environment(KmsKeyVariable)?.Trim() is { Length: > 0 } keyId)
        {
            var kms = kmsClient(environment);
            var signer = await KmsJwsSigner.CreateAsync(kms, keyId, cancellationToken).ConfigureAwait(false);
            var others = environment(RotationKeyVariable)?.Trim() is { Length: > 0 } rotationKeyId
                ? [await KmsJwsSigner.GetPublicKeyAsync(kms, rotationKeyId, cancellationToken).ConfigureAwait(false)]
                : Array.Empty<PublicSigningKey>();
            return new Loaded(signer, others);
        }

        if (environment(LocalKeyVariable) is { Length: > 0 } pem)
        {
            if (DevelopmentKeys.InLambda(environment))
            {
                throw new InvalidOperationException(
                    $"{LocalKeyVariable} holds a private key, and this is Lambda ({DevelopmentKeys.LambdaFunctionNameVariable} is set). "
                    + $"In AWS tokens are signed by KMS: set {KmsKeyVariable} to the stack's token signing key.");
            }

            return new Loaded(new EcdsaJwsSigner(pem), []);
        }

        throw new InvalidOperationException(
            $"No token signing key configured: set {KmsKeyVariable} to a KMS key (ECC_NIST_P256, SIGN_VERIFY) in AWS, "
            + $"or {LocalKeyVariable} to a P-256 private key in PEM form (local development).");
    }
}
