using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The table's shape (DESIGN.md, README "Storage"). One partition per address holds its codes,
/// keyed by expiry, and one address record at <see cref="AddressRecordSortKey"/> with every
/// counter the rules keep for the address, in fixed size. Limiter windows of clients and of the
/// global budget live under partition keys with no '@' ("client#…", "budget#…"), which no
/// address can be, keyed by the window's end.
/// </summary>
public static class OtpTable
{
    public const string Address = "email_id";
    public const string ExpirationTime = "EXPIRATION_TIME";

    /// <summary>Random per-code value the code is derived from under the signing key (B). Only code items have it.</summary>
    public const string Nonce = "NONCE";
    public const string CreatedAt = "CREATED_AT";
    public const string Digits = "DIGITS";
    public const string MailedAt = "MAILED_AT";
    public const string MailClaimedAt = "MAIL_CLAIMED_AT";

    /// <summary>On a code item: the version id of the HMAC key its mail was derived under (S), set with MAILED_AT.</summary>
    public const string KeyVersion = "KEY_VERSION";

    /// <summary>On a code item: SHA-256 of the verification id generate returned with it (B, 32 bytes).</summary>
    public const string VerificationIdHash = "VERIFICATION_ID_HASH";

    /// <summary>On a code item: the BCP 47 tag of the mail's language (S); absent on items written before it existed.</summary>
    public const string Locale = "LOCALE";

    /// <summary>
    /// On the address record and on a code item: the <see cref="IdempotencyToken"/>s of the
    /// writes applied to it (SS), each added by the write itself in the same conditional write.
    /// A write the SDK sends again after a lost response is refused by its own first send (or, for
    /// a wrong guess, by <c>NOT contains</c>); the store then reads the item, and a token found
    /// here says the refused write is one already applied, answered as it was. On the address
    /// record the set is reset to the issuing request's token by every issue, so it holds the
    /// newest code's issue, wrong guesses and use (bounded by the guess limits); on a code item,
    /// its issue and its mailing claims.
    /// </summary>
    public const string WriteTokens = "WRITE_TOKENS";

    /// <summary>The TTL attribute: when nothing in the item is needed any more, unlike EXPIRATION_TIME.</summary>
    public const string DeleteAfter = "DELETE_AFTER";

    /// <summary>On the address record: bumped by every write, so an issue conditional on it cannot lose a concurrent change.</summary>
    public const string RecordVersion = "VERSION";

    /// <summary>On the address record: EXPIRATION_TIME of the newest code (N).</summary>
    public const string Newest = "NEWEST";

    /// <summary>On the address record: wrong guesses at the newest code, all clients (N).</summary>
    public const string Attempts = "ATTEMPTS";

    /// <summary>On the address record: wrong guesses at the newest code per client tag (M of N).</summary>
    public const string Guesses = "GUESSES";

    /// <summary>On the address record: when the newest code was verified (N).</summary>
    public const string UsedAt = "USED_AT";

    /// <summary>
    /// On the address record: the newest code and the earlier ones still unexpired when it was issued
    /// (L of M, newest first, at most 3): each <see cref="ExpirationTime"/> (N), <see cref="Nonce"/> (B)
    /// and <see cref="Digits"/> (N), so verify tells a superseded code from a wrong one in the same read.
    /// </summary>
    public const string RecentCodes = "RECENT_CODES";

    /// <summary>On the address record: the send bucket's GCRA theoretical arrival time (N).</summary>
    public const string SendTat = "SEND_TAT";

    /// <summary>On the address record: when the newest code was issued (N), for the cooldown.</summary>
    public const string LastSentAt = "LAST_SENT_AT";

    /// <summary>On the address record: per-client send buckets, client tag to GCRA TAT (M of N, at most 16).</summary>
    public const string Senders = "SENDERS";

    /// <summary>On the address record: the owner lane, client tags that verified a code of the address to when (M of N, at most 4).</summary>
    public const string Owners = "OWNERS";

    /// <summary>On the address record: unforgiven wrong guesses (N) and when their forgiveness is counted from (N).</summary>
    public const string Failures = "FAILURES";
    public const string FailuresSince = "FAILURES_SINCE";

    /// <summary>
    /// On a client window: codes requested (SS of idempotency tokens, one per request), addresses
    /// asked for (SS of address tags), failed verifications (SS of idempotency tokens). A set, not
    /// a number, so a retried write counts once.
    /// </summary>
    public const string RequestTokens = "REQUEST_TOKENS";
    public const string Addresses = "ADDRESSES";
    public const string FailedVerificationTokens = "FAILED_VERIFICATION_TOKENS";

    /// <summary>On a budget window: codes issued across all addresses (SS of idempotency tokens).</summary>
    public const string SendTokens = "SEND_TOKENS";

    /// <summary>Sorts after every real expiry (year 2286), so a descending query reads the record first, then the newest code.</summary>
    public const long AddressRecordSortKey = 9_999_999_999;
}
