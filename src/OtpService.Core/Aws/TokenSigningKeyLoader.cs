using Amazon.KeyManagementService;
using OtpService.Core.Tokens;
using OtpService.Core.Rules;

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

    /// <summary>
    /// What init decides without a network call: the development key when it is given directly (and
    /// this is not Lambda), or the read of the KMS keys' public halves (GetPublicKey of the signing
    /// key and of the rotation key, in parallel), not started (<see cref="DeferredKey{T}"/>; a
    /// failed read is tried again by the next request). The read's failures are KMS's, classified by
    /// <see cref="AwsFailureClassifier"/>; a key of the wrong kind is a configuration <see cref="DependencyException"/>.
    /// </summary>
    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="budget">The function's budget: the KMS client's timeouts come from it, so a Sign fits inside an invocation.</param>
    /// <exception cref="InvalidOperationException">No key configured, a bad PEM, or a private key in Lambda: init stops.</exception>
    public static DeferredKey<TokenKeySet> Plan(Func<string, string?> environment, InvocationBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(KmsKeyVariable)?.Trim() is { Length: > 0 } keyId)
        {
            var kms = AwsClientFactory.Kms(environment, budget);
            var rotationKeyId = environment(RotationKeyVariable)?.Trim() is { Length: > 0 } rotation ? rotation : null;
            return new DeferredKey<TokenKeySet>(async ct =>
            {
                try
                {
                    var loaded = await ReadKmsKeysAsync(kms, keyId, rotationKeyId, ct).ConfigureAwait(false);
                    return new TokenKeySet(loaded.Signer, loaded.OtherPublishedKeys);
                }
                catch (InvalidOperationException wrongKind)
                {
                    throw new DependencyException(Dependency.KMS, FailureKind.Configuration, "InvalidKeyUsage", wrongKind.Message, wrongKind);
                }
            });
        }

        var local = LocalKey(environment);
        return DeferredKey.Known(new TokenKeySet(local.Signer, local.OtherPublishedKeys));
    }

    /// <exception cref="InvalidOperationException">No key configured, a bad key, or a private key in Lambda.</exception>
    /// <exception cref="DependencyException">KMS GetPublicKey failed (classified by <see cref="AwsFailureClassifier"/>).</exception>
    public static async Task<Loaded> LoadAsync(
        Func<string, string?> environment,
        Func<Func<string, string?>, IAmazonKeyManagementService> kmsClient,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(kmsClient);
        if (environment(KmsKeyVariable)?.Trim() is { Length: > 0 } keyId)
        {
            var rotationKeyId = environment(RotationKeyVariable)?.Trim() is { Length: > 0 } rotation ? rotation : null;
            return await ReadKmsKeysAsync(kmsClient(environment), keyId, rotationKeyId, cancellationToken).ConfigureAwait(false);
        }

        return LocalKey(environment);
    }

    /// <summary>The signing key's and the rotation key's public halves, read in parallel.</summary>
    private static async Task<Loaded> ReadKmsKeysAsync(IAmazonKeyManagementService kms, string keyId, string? rotationKeyId, CancellationToken cancellationToken)
    {
        var signing = KmsJwsSigner.CreateAsync(kms, keyId, cancellationToken);
        if (rotationKeyId is null)
        {
            return new Loaded(await signing.ConfigureAwait(false), []);
        }

        var rotation = KmsJwsSigner.GetPublicKeyAsync(kms, rotationKeyId, cancellationToken);
        await Task.WhenAll(signing, rotation).ConfigureAwait(false);
        return new Loaded(await signing.ConfigureAwait(false), [await rotation.ConfigureAwait(false)]);
    }

    /// <summary>The development key given directly (OTP_TOKEN_SIGNING_KEY), refused in Lambda.</summary>
    private static Loaded LocalKey(Func<string, string?> environment)
    {
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
