using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// One of the three server-side HMAC-SHA256 keys and where it is configured: in AWS a Secrets Manager
/// secret (its ARN in <see cref="SecretArnVariable"/>), locally the key itself (<see cref="LocalKeyVariable"/>).
/// Every key gets the same checks from <see cref="SecretKeyLoader"/>: at least <see cref="MinimumBytes"/>
/// bytes, the public development key refused in Lambda, and no fallback when neither variable is set.
/// </summary>
/// <param name="Purpose">What the key is, for messages ("OTP signing key").</param>
/// <param name="SecretArnVariable">The variable naming the Secrets Manager secret.</param>
/// <param name="LocalKeyVariable">The variable holding the key itself (local development).</param>
/// <param name="DevelopmentKey">The public key the local runner uses; refused in Lambda.</param>
/// <param name="ReadsPreviousVersion">True: the AWSPREVIOUS version is read too and kept in the ring (a rotated key).</param>
public sealed record HmacKey(string Purpose, string SecretArnVariable, string LocalKeyVariable, string DevelopmentKey, bool ReadsPreviousVersion)
{
    /// <summary>HMAC-SHA256 keys shorter than its 32-byte output weaken it (RFC 2104 section 3); the rule is <see cref="OtpKey.MinBytes"/>.</summary>
    public const int MinimumBytes = OtpKey.MinBytes;

    /// <summary>The key codes are derived under (rotated: AWSCURRENT and AWSPREVIOUS). SendOtpEmail and VerifyOtp hold it.</summary>
    public static HmacKey Signing { get; } = new("OTP signing key", "OTP_SIGNING_KEY_SECRET_ARN", "OTP_SIGNING_KEY", DevelopmentKeys.CodeKey, ReadsPreviousVersion: true);

    /// <summary>The key that pseudonymizes callers in limiter records (<see cref="ClientTagger"/>). GenerateOtp and VerifyOtp hold it.</summary>
    public static HmacKey Client { get; } = new("client key", "OTP_CLIENT_KEY_SECRET_ARN", "OTP_CLIENT_KEY", DevelopmentKeys.ClientKey, ReadsPreviousVersion: false);

    /// <summary>The key behind the token's <c>sub</c> (never rotated: a new key gives every address a new <c>sub</c>). VerifyOtp holds it.</summary>
    public static HmacKey Subject { get; } = new("subject key", "OTP_SUBJECT_KEY_SECRET_ARN", "OTP_SUBJECT_KEY", DevelopmentKeys.SubjectKey, ReadsPreviousVersion: false);

    /// <summary>The three keys.</summary>
    public static IReadOnlyList<HmacKey> All { get; } = [Signing, Client, Subject];
}
