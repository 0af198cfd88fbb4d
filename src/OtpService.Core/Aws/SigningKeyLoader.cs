using System.Text;

namespace OtpService.Core.Aws;

/// <summary>
/// Finds the server-side HMAC key for OTP codes: in AWS a Secrets Manager secret named by
/// OTP_SIGNING_KEY_SECRET_ARN, in local development the value of OTP_SIGNING_KEY.
/// The key itself never appears in an exception or a log.
/// </summary>
public static class SigningKeyLoader
{
    public const string SecretArnVariable = "OTP_SIGNING_KEY_SECRET_ARN";
    public const string LocalKeyVariable = "OTP_SIGNING_KEY";

    /// <summary>HMAC-SHA256 keys shorter than its 32-byte output weaken it; the rule is OtpCode's.</summary>
    public const int MinimumKeyBytes = Otp.OtpCode.MinKeyBytes;

    /// <summary>
    /// Loads the key once, at cold start, from a Function's parameterless constructor.
    /// Blocks on the Secrets Manager call: constructors cannot await, and Lambda's init phase has no
    /// synchronization context to deadlock on.
    /// </summary>
    public static byte[] LoadSigningKey(Func<string, string?> environment) =>
        LoadSigningKeyAsync(environment, SecretsManagerClient.FromEnvironment, CancellationToken.None)
            .GetAwaiter().GetResult(); // Sync over async on purpose: cold start, in a constructor (see above).

    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="secretsManager">Builds the client when the secret is needed (from the same environment).</param>
    /// <param name="cancellationToken">Cancels the Secrets Manager call.</param>
    public static async Task<byte[]> LoadSigningKeyAsync(
        Func<string, string?> environment,
        Func<Func<string, string?>, SecretsManagerClient> secretsManager,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(secretsManager);

        if (environment(SecretArnVariable) is { Length: > 0 } secretArn)
        {
            var secret = await secretsManager(environment).GetSecretStringAsync(secretArn, cancellationToken).ConfigureAwait(false);
            return LongEnough(Encoding.UTF8.GetBytes(secret), $"The secret named by {SecretArnVariable}");
        }

        if (environment(LocalKeyVariable) is { Length: > 0 } localKey)
        {
            return LongEnough(Encoding.UTF8.GetBytes(localKey), LocalKeyVariable);
        }

        throw new InvalidOperationException(
            $"No OTP signing key configured: set {SecretArnVariable} to a Secrets Manager secret ARN (in AWS), "
            + $"or {LocalKeyVariable} to a random string of at least {MinimumKeyBytes} bytes (local development).");
    }

    private static byte[] LongEnough(byte[] key, string source) =>
        key.Length >= MinimumKeyBytes
            ? key
            : throw new InvalidOperationException(
                $"{source} is {key.Length} bytes long; the OTP signing key must be at least {MinimumKeyBytes} bytes.");
}
