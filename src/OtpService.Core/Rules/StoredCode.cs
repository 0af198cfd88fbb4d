namespace OtpService.Core.Rules;

/// <summary>One issued code as stored: its key, the nonce it is derived from (never the code), its digits and mailing state.</summary>
/// <param name="Address">The normalized address (partition key).</param>
/// <param name="ExpiresAt">Unix seconds after which the code is refused (sort key).</param>
/// <param name="CreatedAt">Unix seconds when it was issued.</param>
/// <param name="Nonce">16 random bytes the code is derived from under the HMAC key.</param>
/// <param name="Digits">6 to 10.</param>
/// <param name="MailedAt">Unix seconds when the mail went out; null until then.</param>
/// <param name="KeyVersion">
/// The version id of the HMAC key the mailed code was derived under (Secrets Manager's VersionId),
/// recorded with <paramref name="MailedAt"/>; null for a code mailed before versions were recorded
/// (it is checked under the current key).
/// </param>
/// <param name="Locale">The BCP 47 tag of the language the mail is written in (one of <see cref="MailTexts.Supported"/>); null for a code issued before languages were stored (the mail then uses the default).</param>
/// <param name="VerificationIdHash">SHA-256 of the verification id generate returned with this code (32 bytes); null for a code issued before ids existed.</param>
public sealed record StoredCode(
    string Address,
    long ExpiresAt,
    long CreatedAt,
    byte[] Nonce,
    int Digits,
    long? MailedAt = null,
    string? KeyVersion = null,
    byte[]? VerificationIdHash = null,
    string? Locale = null);
