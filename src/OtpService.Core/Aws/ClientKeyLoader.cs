using System.Text;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// Finds the key that pseudonymizes callers in limiter records (<see cref="ClientTagger"/>):
/// in AWS a Secrets Manager secret named by OTP_CLIENT_KEY_SECRET_ARN (read by GenerateOtp and
/// VerifyOtp; it is not the code-signing key, which GenerateOtp never holds), locally the value
/// of OTP_CLIENT_KEY, or else a fixed development key, which is refused inside Lambda.
/// </summary>
public static class ClientKeyLoader
{
    public const string SecretArnVariable = "OTP_CLIENT_KEY_SECRET_ARN";
    public const string LocalKeyVariable = "OTP_CLIENT_KEY";

    /// <summary>Public on purpose: it pseudonymizes nothing an attacker cannot recompute; for local runs only.</summary>
    public const string DevelopmentKey = "local-development-client-key-not-for-production-use";

    /// <summary>
    /// What init decides without a network call: the key itself when it is given directly (or the
    /// development key outside Lambda), or its read from Secrets Manager, not started
    /// (<see cref="DeferredKey{T}"/>; a failed read is tried again by the next request).
    /// </summary>
    /// <param name="environment">Reads one environment variable.</param>
    /// <param name="callTimeout">Deadline of the GetSecretValue; null: <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">No key configured inside Lambda, or a key given directly that is too short: init stops.</exception>
    public static DeferredKey<byte[]> Plan(Func<string, string?> environment, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(SecretArnVariable) is { Length: > 0 } secretArn)
        {
            var secretsManager = SecretsManagerClient.FromEnvironment(environment, callTimeout);
            return new DeferredKey<byte[]>(ct => secretsManager.ReadKeyAsync(secretArn, SecretArnVariable, ClientTagger.MinKeyBytes, ct));
        }

        if (environment(LocalKeyVariable) is { Length: > 0 } localKey)
        {
            var key = Encoding.UTF8.GetBytes(localKey);
            return key.Length >= ClientTagger.MinKeyBytes
                ? DeferredKey.Known(key)
                : throw new InvalidOperationException($"{LocalKeyVariable} is {key.Length} bytes long; the client key must be at least {ClientTagger.MinKeyBytes} bytes.");
        }

        return environment("AWS_LAMBDA_FUNCTION_NAME") is { Length: > 0 }
            ? throw new InvalidOperationException($"No client key configured: set {SecretArnVariable} to a Secrets Manager secret ARN.")
            : DeferredKey.Known(Encoding.UTF8.GetBytes(DevelopmentKey));
    }
}
