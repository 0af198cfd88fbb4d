using System.Buffers.Text;

namespace OtpService.Core.Otp;

/// <summary>
/// The token that makes one counting write idempotent: a window item keeps the set of tokens it
/// counted, so a write the AWS SDK sends again after a lost response (an attempt timeout after
/// DynamoDB applied it) adds the same member again and changes nothing; taking it back deletes
/// the member, also once. 48 random bits from <see cref="SnapshotSafeRandom"/> as 8 base64url
/// characters: two of the n tokens in one window collide with chance about n^2 / 2^49 (under
/// 1e-8 at n = 1,000; a collision under-counts by one).
/// </summary>
public static class IdempotencyToken
{
    /// <summary>Characters in a token (8: 6 random bytes, RFC 4648 §5 base64url without padding).</summary>
    public const int Length = 8;

    /// <summary>A fresh token, unique even across SnapStart restores.</summary>
    public static string New() => Base64Url.EncodeToString(SnapshotSafeRandom.GetBytes(6));
}
