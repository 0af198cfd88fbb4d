using System.Text;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Aws;

/// <summary>
/// Finds the key behind the token's <c>sub</c> (see <see cref="Tokens.SubjectIdentifiers"/>): in AWS
/// the Secrets Manager secret named by OTP_SUBJECT_KEY_SECRET_ARN (never rotated: a new key gives
/// every address a new <c>sub</c>), locally OTP_SUBJECT_KEY. The development value is refused in Lambda.
/// </summary>
public static class SubjectKeyLoader
{
    public const string SecretArnVariable = "OTP_SUBJECT_KEY_SECRET_ARN";
    public const string LocalKeyVariable = "OTP_SUBJECT_KEY";

    /// <summary>
    /// What init decides without a network call: the key itself when it is given directly, or its
    /// read from Secrets Manager, not started (<see cref="DeferredKey{T}"/>; a failed read is tried
    /// again by the next request).
    /// </summary>
    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="callTimeout">Deadline of the GetSecretValue; null: <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">No key, a key given directly under 32 bytes, or the development key in Lambda: init stops.</exception>
    public static DeferredKey<SubjectIdentifiers> Plan(Func<string, string?> environment, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(SecretArnVariable) is { Length: > 0 } secretArn)
        {
            var secretsManager = SecretsManagerClient.FromEnvironment(environment, callTimeout);
            return new DeferredKey<SubjectIdentifiers>(async ct =>
                new SubjectIdentifiers(await secretsManager.ReadKeyAsync(secretArn, SecretArnVariable, OtpKey.MinBytes, ct).ConfigureAwait(false)));
        }

        return DeferredKey.Known(new SubjectIdentifiers(LocalKey(environment)));
    }

    /// <exception cref="InvalidOperationException">No key, a key under 32 bytes, or the development key in Lambda.</exception>
    /// <exception cref="DependencyException">Secrets Manager failed.</exception>
    public static async Task<byte[]> LoadSubjectKeyAsync(
        Func<string, string?> environment,
        Func<Func<string, string?>, SecretsManagerClient> secretsManager,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(secretsManager);
        if (environment(SecretArnVariable) is { Length: > 0 } secretArn)
        {
            var secret = await secretsManager(environment).GetSecretStringAsync(secretArn, cancellationToken).ConfigureAwait(false);
            return LongEnough(secret, $"The secret named by {SecretArnVariable}");
        }

        return LocalKey(environment);
    }

    /// <summary>The key given directly (OTP_SUBJECT_KEY), with every check that needs no network call.</summary>
    private static byte[] LocalKey(Func<string, string?> environment)
    {
        if (environment(LocalKeyVariable) is { Length: > 0 } localKey)
        {
            if (localKey == DevelopmentKeys.SubjectKey && DevelopmentKeys.InLambda(environment))
            {
                throw new InvalidOperationException(
                    $"{LocalKeyVariable} holds the public development key, and this is Lambda ({DevelopmentKeys.LambdaFunctionNameVariable} is set): "
                    + $"anyone could test guessed addresses against a token's sub. Set {SecretArnVariable} to the stack's secret instead.");
            }

            return LongEnough(localKey, LocalKeyVariable);
        }

        throw new InvalidOperationException(
            $"No subject key configured: set {SecretArnVariable} to a Secrets Manager secret ARN (in AWS), "
            + $"or {LocalKeyVariable} to a random string of at least {OtpKey.MinBytes} bytes (local development).");
    }

    private static byte[] LongEnough(string secret, string source)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        return key.Length >= OtpKey.MinBytes
            ? key
            : throw new InvalidOperationException($"{source} is {key.Length} bytes long; the subject key must be at least {OtpKey.MinBytes} bytes.");
    }
}
