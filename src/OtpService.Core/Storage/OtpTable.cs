namespace OtpService.Core.Storage;

/// <summary>
/// The table's shape (DESIGN.md). One partition per address holds its codes, keyed by expiry,
/// and one address record at <see cref="AddressRecordSortKey"/> that serializes issuing.
/// </summary>
public static class OtpTable
{
    public const string Address = "email_id";
    public const string ExpirationTime = "EXPIRATION_TIME";

    /// <summary>Random per-code value the code is derived from under the signing key (B). Only code items have it.</summary>
    public const string Nonce = "NONCE";
    public const string CreatedAt = "CREATED_AT";
    public const string Digits = "DIGITS";
    public const string Attempts = "ATTEMPTS";
    public const string UsedAt = "USED_AT";
    public const string MailedAt = "MAILED_AT";
    public const string MailClaimedAt = "MAIL_CLAIMED_AT";

    /// <summary>The TTL attribute: outlives every window that counts past codes, unlike EXPIRATION_TIME.</summary>
    public const string DeleteAfter = "DELETE_AFTER";

    /// <summary>On the address record: bumped by every issue so two concurrent issues cannot both win.</summary>
    public const string RecordVersion = "VERSION";

    /// <summary>On the address record: Unix seconds of the sends in the last hour.</summary>
    public const string SentAt = "SENT_AT";

    /// <summary>Sorts after every real expiry (year 2286), so one range query reads the record with the codes.</summary>
    public const long AddressRecordSortKey = 9_999_999_999;
}
