namespace OtpService.Core.Ports;

/// <summary>One issued code as stored. Holds a nonce, never the code.</summary>
public sealed record StoredCode(
    string Address,
    long ExpiresAt,
    long CreatedAt,
    byte[] Nonce,
    int Digits,
    int Attempts = 0,
    long? UsedAt = null,
    long? MailedAt = null);
