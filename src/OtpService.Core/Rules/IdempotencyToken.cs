using System.Buffers.Text;

namespace OtpService.Core.Rules;

/// <summary>
/// The token that makes a request's writes idempotent (one per generate, verify and mailing;
/// <see cref="IOtpStore"/>): each write records it in the item it changes, so a write the
/// AWS SDK sends again after a lost response (an attempt timeout after DynamoDB applied it) is
/// recognized rather than applied twice or answered as a lost race. A window item keeps the set
/// of tokens it counted (the same member added again changes nothing; taking it back deletes the
/// member, also once); the address record and a code item keep the tokens of the writes applied
/// to them (<c>WRITE_TOKENS</c>). 48 random bits from <see cref="SnapshotSafeRandom"/> as 8
/// base64url characters: two of the n tokens in one window collide with chance about n^2 / 2^49
/// (under 1e-8 at n = 1,000; a collision under-counts by one).
/// </summary>
public static class IdempotencyToken
{
    /// <summary>Characters in a token (8: 6 random bytes, RFC 4648 §5 base64url without padding).</summary>
    public const int Length = 8;

    /// <summary>A fresh token, unique even across SnapStart restores.</summary>
    public static string New() => Base64Url.EncodeToString(SnapshotSafeRandom.GetBytes(6));
}
