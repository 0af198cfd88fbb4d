using System.Text;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one loader of the three HMAC keys (<see cref="HmacKey.Signing"/>, <see cref="HmacKey.Client"/>,
/// <see cref="HmacKey.Subject"/>), with the same checks for each: in AWS the Secrets Manager secret its
/// ARN variable names (AWSCURRENT, and AWSPREVIOUS for a rotated key, each with its VersionId); locally
/// the key itself. A key shorter than <see cref="HmacKey.MinimumBytes"/>, the public development key in
/// Lambda, and a key with neither variable set are refused, naming the variables. No key appears in an
/// exception or a log.
/// </summary>
public static class SecretKeyLoader
{
    /// <summary>
    /// What init decides without a network call: the key ring itself when the key is given directly, or its
    /// first read from Secrets Manager, not started (<see cref="DeferredKey{T}"/>: the function is built
    /// whatever that read does, and a failed read is tried again by the next request; its failures are
    /// <see cref="DependencyException"/>s of Secrets Manager, classified as an outage or a configuration error).
    /// </summary>
    /// <typeparam name="T">What the caller keeps of the ring (the ring itself, or the current key's bytes).</typeparam>
    /// <param name="source">The key and its two variables' values; the secret wins when both are set.</param>
    /// <param name="inLambda">True in Lambda: the development key is refused.</param>
    /// <param name="secretsManager">Builds the client when the secret is needed.</param>
    /// <param name="shape">Turns the ring into what the caller keeps.</param>
    /// <exception cref="InvalidOperationException">No key configured, a key too short, or the development key in Lambda: init stops, naming the variable.</exception>
    public static DeferredKey<T> Plan<T>(HmacKeySource source, bool inLambda, Func<SecretsManagerClient> secretsManager, Func<OtpKeyRing, T> shape)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(secretsManager);
        ArgumentNullException.ThrowIfNull(shape);
        if (source.SecretArn is { } secretArn)
        {
            var keySource = new SecretsManagerKeySource(secretsManager(), secretArn, source.Key);
            return new DeferredKey<T>(async ct => shape(await keySource.LoadAsync(ct).ConfigureAwait(false)));
        }

        return DeferredKey.Known(shape(LocalRing(source, inLambda)));
    }

    /// <summary>The ring in full: <see cref="Plan{T}"/> for the signing key.</summary>
    public static DeferredKey<OtpKeyRing> PlanRing(HmacKeySource source, bool inLambda, Func<SecretsManagerClient> secretsManager) =>
        Plan(source, inLambda, secretsManager, ring => ring);

    /// <summary>The current key's bytes: <see cref="Plan{T}"/> for a key that is never rotated in place (client, subject).</summary>
    public static DeferredKey<byte[]> PlanBytes(HmacKeySource source, bool inLambda, Func<SecretsManagerClient> secretsManager) =>
        Plan(source, inLambda, secretsManager, ring => ring.Current.Material.ToArray());

    /// <summary>The source that reads the ring again at invoke time, or null when the key was given directly.</summary>
    /// <param name="source">The key and its variables' values.</param>
    /// <param name="secretsManager">Builds the client (its call timeout a part of the invocation's budget,
    /// <see cref="InvocationBudget.SecretsManagerRefreshTimeout"/>).</param>
    public static IOtpKeySource? RefreshSource(HmacKeySource source, Func<SecretsManagerClient> secretsManager)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(secretsManager);
        return source.SecretArn is { } secretArn ? new SecretsManagerKeySource(secretsManager(), secretArn, source.Key) : null;
    }

    /// <summary>The ring of a key given directly, with every check that needs no network call.</summary>
    private static OtpKeyRing LocalRing(HmacKeySource source, bool inLambda)
    {
        var key = source.Key;
        if (source.LocalKey is { } localKey)
        {
            if (localKey == key.DevelopmentKey && inLambda)
            {
                throw new InvalidOperationException(
                    $"{key.LocalKeyVariable} holds the public development key, and this is Lambda ({DevelopmentKeys.LambdaFunctionNameVariable} is set). "
                    + $"A public {key.Purpose} protects nothing: set {key.SecretArnVariable} to the stack's Secrets Manager secret instead.");
            }

            return new OtpKeyRing(ToKey(key, OtpKey.LocalVersion, localKey, key.LocalKeyVariable));
        }

        throw new InvalidOperationException(
            $"No {key.Purpose} configured: set {key.SecretArnVariable} to a Secrets Manager secret ARN (in AWS), "
            + $"or {key.LocalKeyVariable} to a random string of at least {HmacKey.MinimumBytes} bytes (local development).");
    }

    /// <summary>The key of one version, refused when shorter than <see cref="HmacKey.MinimumBytes"/> (the message names <paramref name="origin"/>, never the value).</summary>
    internal static OtpKey ToKey(HmacKey key, string version, string secret, string origin)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return bytes.Length >= HmacKey.MinimumBytes
            ? new OtpKey(version, bytes)
            : throw new InvalidOperationException(
                $"{origin} is {bytes.Length} bytes long; the {key.Purpose} must be at least {HmacKey.MinimumBytes} bytes.");
    }
}
