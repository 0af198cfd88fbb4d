using System.Text;

namespace OtpService.Core.Aws;

/// <summary>
/// Finds the key that pseudonymizes callers in limiter records (<see cref="Otp.ClientTagger"/>):
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

    /// <summary>Loads the key once, at cold start (blocks on Secrets Manager for the same reason as <see cref="SigningKeyLoader.LoadSigningKey"/>).</summary>
    public static byte[] LoadClientKey(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(SecretArnVariable) is { Length: > 0 } secretArn)
        {
            var secret = SecretsManagerClient.FromEnvironment(environment).GetSecretStringAsync(secretArn, CancellationToken.None)
                .GetAwaiter().GetResult(); // Sync over async on purpose: cold start, in a constructor.
            return Encoding.UTF8.GetBytes(secret);
        }

        if (environment(LocalKeyVariable) is { Length: > 0 } localKey)
        {
            return Encoding.UTF8.GetBytes(localKey);
        }

        return environment("AWS_LAMBDA_FUNCTION_NAME") is { Length: > 0 }
            ? throw new InvalidOperationException($"No client key configured: set {SecretArnVariable} to a Secrets Manager secret ARN.")
            : Encoding.UTF8.GetBytes(DevelopmentKey);
    }
}
