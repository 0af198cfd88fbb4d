using System.Text;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// Finds the server-side HMAC keys for OTP codes: in AWS the AWSCURRENT and AWSPREVIOUS versions of
/// the Secrets Manager secret named by OTP_SIGNING_KEY_SECRET_ARN (each with its VersionId), in
/// local development the value of OTP_SIGNING_KEY (version "local"). The development key is refused
/// in Lambda. No key appears in an exception or a log.
/// </summary>
public static class SigningKeyLoader
{
    public const string SecretArnVariable = "OTP_SIGNING_KEY_SECRET_ARN";
    public const string LocalKeyVariable = "OTP_SIGNING_KEY";

    /// <summary>HMAC-SHA256 keys shorter than its 32-byte output weaken it; the rule is <see cref="OtpKey.MinBytes"/>.</summary>
    public const int MinimumKeyBytes = OtpKey.MinBytes;

    /// <summary>
    /// What init decides without a network call: the ring itself when the key is given directly, or its
    /// first read from Secrets Manager, not started (<see cref="DeferredKey{T}"/>: the function is built
    /// whatever that read does, and a failed read is tried again by the next request).
    /// </summary>
    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="callTimeout">Deadline of each GetSecretValue; null: <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">No key configured, a key too short, or the development key in Lambda: init stops, naming the variable.</exception>
    public static DeferredKey<OtpKeyRing> Plan(Func<string, string?> environment, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment(SecretArnVariable) is { Length: > 0 } secretArn
            ? new DeferredKey<OtpKeyRing>(new SecretsManagerKeySource(SecretsManagerClient.FromEnvironment(environment, callTimeout), secretArn).LoadAsync)
            : DeferredKey.Known(LocalRing(environment));
    }

    /// <inheritdoc cref="LoadKeyRingAsync"/>
    public static async Task<byte[]> LoadSigningKeyAsync(
        Func<string, string?> environment,
        Func<Func<string, string?>, SecretsManagerClient> secretsManager,
        CancellationToken cancellationToken) =>
        (await LoadKeyRingAsync(environment, secretsManager, cancellationToken).ConfigureAwait(false)).Current.Material.ToArray();

    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="secretsManager">Builds the client when the secret is needed (from the same environment).</param>
    /// <param name="cancellationToken">Cancels the Secrets Manager calls.</param>
    /// <exception cref="InvalidOperationException">No key configured, a key too short, or the development key in Lambda.</exception>
    /// <exception cref="DependencyException">Secrets Manager failed.</exception>
    public static async Task<OtpKeyRing> LoadKeyRingAsync(
        Func<string, string?> environment,
        Func<Func<string, string?>, SecretsManagerClient> secretsManager,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(secretsManager);
        return environment(SecretArnVariable) is { Length: > 0 } secretArn
            ? await new SecretsManagerKeySource(secretsManager(environment), secretArn).ReadAsync(cancellationToken).ConfigureAwait(false)
            : LocalRing(environment);
    }

    /// <summary>The ring of a key given directly (OTP_SIGNING_KEY), with every check that needs no network call.</summary>
    private static OtpKeyRing LocalRing(Func<string, string?> environment)
    {
        if (environment(LocalKeyVariable) is { Length: > 0 } localKey)
        {
            if (localKey == DevelopmentKeys.CodeKey && DevelopmentKeys.InLambda(environment))
            {
                throw new InvalidOperationException(
                    $"{LocalKeyVariable} holds the public development key, and this is Lambda ({DevelopmentKeys.LambdaFunctionNameVariable} is set). "
                    + $"Codes under it protect nothing: set {SecretArnVariable} to the stack's Secrets Manager secret instead.");
            }

            return new OtpKeyRing(ToKey(OtpKey.LocalVersion, localKey, LocalKeyVariable));
        }

        throw new InvalidOperationException(
            $"No OTP signing key configured: set {SecretArnVariable} to a Secrets Manager secret ARN (in AWS), "
            + $"or {LocalKeyVariable} to a random string of at least {MinimumKeyBytes} bytes (local development).");
    }

    /// <summary>The source that reads the ring again at invoke time, or null when the key was given directly.</summary>
    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="callTimeout">Deadline of each GetSecretValue (a part of the invocation's budget,
    /// <see cref="InvocationBudget.SecretsManagerRefreshTimeout"/>); null: the client's default.</param>
    public static IOtpKeySource? RefreshSource(Func<string, string?> environment, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment(SecretArnVariable) is { Length: > 0 } secretArn
            ? new SecretsManagerKeySource(SecretsManagerClient.FromEnvironment(environment, callTimeout), secretArn)
            : null;
    }

    internal static OtpKey ToKey(string version, string secret, string source)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return bytes.Length >= MinimumKeyBytes
            ? new OtpKey(version, bytes)
            : throw new InvalidOperationException(
                $"{source} is {bytes.Length} bytes long; the OTP signing key must be at least {MinimumKeyBytes} bytes.");
    }
}

/// <summary>
/// The key ring from one Secrets Manager secret: its AWSCURRENT version (required) and its
/// AWSPREVIOUS version (present after the first rotation), each keyed by VersionId.
/// </summary>
public sealed class SecretsManagerKeySource(SecretsManagerClient client, string secretArn) : IOtpKeySource
{
    private readonly string _secretArn = string.IsNullOrWhiteSpace(secretArn) ? throw new ArgumentException("A secret ARN is required.", nameof(secretArn)) : secretArn;

    /// <summary>For reads at init and refreshes at invoke time: every failure is a <see cref="DependencyException"/> of Secrets Manager.</summary>
    public async Task<OtpKeyRing> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException failure)
        {
            // A version too short: the secret's value is wrong.
            throw SecretsManagerClient.InvalidValue(failure.Message);
        }
    }

    /// <summary>Both versions, read in parallel.</summary>
    /// <exception cref="DependencyException">Secrets Manager failed, or a version is binary or has no VersionId.</exception>
    /// <exception cref="InvalidOperationException">A version is too short.</exception>
    internal async Task<OtpKeyRing> ReadAsync(CancellationToken cancellationToken)
    {
        var current = client.GetSecretVersionAsync(_secretArn, SecretsManagerClient.CurrentStage, cancellationToken);
        var previous = client.GetSecretVersionAsync(_secretArn, SecretsManagerClient.PreviousStage, cancellationToken);
        await Task.WhenAll(current, previous).ConfigureAwait(false);
        var source = $"The secret named by {SigningKeyLoader.SecretArnVariable}";
        var currentVersion = (await current.ConfigureAwait(false))!;
        var previousVersion = await previous.ConfigureAwait(false);
        return new OtpKeyRing(
            SigningKeyLoader.ToKey(currentVersion.VersionId, currentVersion.SecretString, source),
            previousVersion is null ? null : SigningKeyLoader.ToKey(previousVersion.VersionId, previousVersion.SecretString, $"{source} (AWSPREVIOUS)"));
    }
}
