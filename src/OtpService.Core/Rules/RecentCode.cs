namespace OtpService.Core.Rules;

/// <summary>One recently issued code as the address record remembers it: what its code is derived from (never the code).</summary>
/// <param name="ExpiresAt">Its EXPIRATION_TIME (Unix seconds).</param>
/// <param name="Nonce">Its 16-byte nonce.</param>
/// <param name="Digits">6 to 10.</param>
public sealed record RecentCode(long ExpiresAt, byte[] Nonce, int Digits);
