namespace OtpService.Core.Ports;

/// <summary>One issued code as stored: its key, the nonce it is derived from (never the code), its digits and mailing state.</summary>
public sealed record StoredCode(
    string Address,
    long ExpiresAt,
    long CreatedAt,
    byte[] Nonce,
    int Digits,
    long? MailedAt = null);
