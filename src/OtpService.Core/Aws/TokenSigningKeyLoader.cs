using Amazon.KeyManagementService;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Aws;

/// <summary>
/// The token-signing key, from one of three places: in AWS by default the Secrets Manager secret named by
/// OTP_TOKEN_SIGNING_KEY_SECRET_ARN (<see cref="SecretsManagerTokenKeys"/>: AWSCURRENT signs in memory,
/// AWSPREVIOUS and AWSPENDING are published); with the template's TokenSigningKeyStore KMS, the KMS key
/// named by OTP_TOKEN_SIGNING_KEY_ID (kms:Sign) plus, during a rotation, the other published key
/// OTP_TOKEN_ROTATION_KEY_ID (kms:GetPublicKey only); locally a P-256 private key in
/// OTP_TOKEN_SIGNING_KEY (PEM), which is refused in Lambda (a key in an environment variable is readable
/// by whoever can read the function's configuration). Setting both the secret and the KMS key is refused.
/// </summary>
public static class TokenSigningKeyLoader
{
    public const string KmsKeyVariable = "OTP_TOKEN_SIGNING_KEY_ID";
    public const string RotationKeyVariable = "OTP_TOKEN_ROTATION_KEY_ID";
    public const string LocalKeyVariable = "OTP_TOKEN_SIGNING_KEY";
    public const string SecretArnVariable = "OTP_TOKEN_SIGNING_KEY_SECRET_ARN";

    /// <summary>The signer and every other key the JWKS publishes.</summary>
    public sealed record Loaded(IJwsSigner Signer, IReadOnlyList<PublicSigningKey> OtherPublishedKeys);

    /// <summary>
    /// What init decides without a network call: the development key when it is given directly (and
    /// this is not Lambda), or the read of the KMS keys' public halves (GetPublicKey of the signing
    /// key and of the rotation key, in parallel), not started (<see cref="DeferredKey{T}"/>; a
    /// failed read is tried again by the next request). The read's failures are KMS's, classified by
    /// <see cref="AwsFailureClassifier"/>; a key of the wrong kind is a configuration <see cref="DependencyException"/>.
    /// </summary>
    /// <param name="source">The variables' values, read at init.</param>
    /// <param name="inLambda">True in Lambda: a private key given directly is refused.</param>
    /// <param name="kms">Builds the KMS client when the key is in KMS (its timeouts from the function's budget, so a Sign fits inside an invocation).</param>
    /// <param name="secretsManager">Builds the Secrets Manager client when the key is in a secret.</param>
    /// <exception cref="InvalidOperationException">No key configured, both stores configured, a bad PEM, or a private key in Lambda: init stops.</exception>
    /// <param name="clock">Stamps the keys read from a secret (<see cref="TokenKeySet.ReadAt"/>).</param>
    public static DeferredKey<TokenKeySet> Plan(TokenKeySource source, bool inLambda, Func<IAmazonKeyManagementService> kms, Func<SecretsManagerClient> secretsManager, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(kms);
        ArgumentNullException.ThrowIfNull(secretsManager);
        RefuseTwoStores(source);
        if (source.SecretArn is { } secretArn)
        {
            var keys = new SecretsManagerTokenKeys(secretsManager(), secretArn, clock);
            return new DeferredKey<TokenKeySet>(keys.LoadAsync);
        }

        if (source.KmsKeyId is { } keyId)
        {
            var client = kms();
            return new DeferredKey<TokenKeySet>(async ct =>
            {
                try
                {
                    var loaded = await ReadKmsKeysAsync(client, keyId, source.RotationKeyId, ct).ConfigureAwait(false);
                    return new TokenKeySet(loaded.Signer, loaded.OtherPublishedKeys);
                }
                catch (InvalidOperationException wrongKind)
                {
                    throw new DependencyException(Dependency.KMS, FailureKind.Configuration, "InvalidKeyUsage", wrongKind.Message, wrongKind);
                }
            });
        }

        var local = LocalKey(source, inLambda);
        return DeferredKey.Known(new TokenKeySet(local.Signer, local.OtherPublishedKeys));
    }

    /// <summary>The read that refreshes the keys at invoke time (<see cref="IdentityTokens.Refresh"/>), or null when they are read once (KMS, a local key).</summary>
    /// <param name="source">The variables' values, read at init.</param>
    /// <param name="secretsManager">Builds the client (its call timeout a part of the invocation's budget,
    /// <see cref="InvocationBudget.SecretsManagerRefreshTimeout"/>).</param>
    /// <param name="clock">Stamps each read.</param>
    public static Func<CancellationToken, Task<TokenKeySet>>? RefreshSource(TokenKeySource source, Func<SecretsManagerClient> secretsManager, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(secretsManager);
        return source.SecretArn is { } secretArn && source.KmsKeyId is null
            ? new SecretsManagerTokenKeys(secretsManager(), secretArn, clock).LoadAsync
            : null;
    }

    /// <summary>One store only: with both set, which key signs would depend on the order of a test here.</summary>
    private static void RefuseTwoStores(TokenKeySource source)
    {
        if (source.SecretArn is not null && source.KmsKeyId is not null)
        {
            throw new InvalidOperationException(
                $"Both {SecretArnVariable} and {KmsKeyVariable} are set: the token signing key is in one store. "
                + "Set the one the template's TokenSigningKeyStore chose and leave the other empty.");
        }
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
    private static Loaded LocalKey(TokenKeySource source, bool inLambda)
    {
        if (source.LocalKeyPem is { } pem)
        {
            if (inLambda)
            {
                throw new InvalidOperationException(
                    $"{LocalKeyVariable} holds a private key, and this is Lambda ({DevelopmentKeys.LambdaFunctionNameVariable} is set). "
                    + $"In AWS set {SecretArnVariable} to the stack's token signing key secret (or {KmsKeyVariable} to its KMS key) instead.");
            }

            return new Loaded(new EcdsaJwsSigner(pem), []);
        }

        throw new InvalidOperationException(
            $"No token signing key configured: set {SecretArnVariable} to a Secrets Manager secret or {KmsKeyVariable} to a KMS key "
            + $"(ECC_NIST_P256, SIGN_VERIFY) in AWS, or {LocalKeyVariable} to a P-256 private key in PEM form (local development).");
    }
}
