using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OtpService.Core.Rules;

namespace OtpService.Core.Tokens;

/// <summary>
/// The token's <c>sub</c>: base64url(HMAC-SHA256(subject key, "otp-sub-v1" 0x00 address)), 43 characters.
/// Stable: the subject key is its own secret, never rotated with the code key or the signing key,
/// so one address keeps one <c>sub</c>. Opaque: without the subject key, nobody can test a guessed
/// address against a <c>sub</c> (a plain hash of the address could be reversed by hashing lists of
/// addresses). Pairwise identifiers (OpenID Connect Core section 8) are a different choice we do not need.
/// </summary>
public sealed class SubjectIdentifiers
{
    private static readonly byte[] Domain = "otp-sub-v1"u8.ToArray();
    private readonly byte[] _key;

    /// <exception cref="ArgumentException">The key is shorter than 32 bytes.</exception>
    public SubjectIdentifiers(ReadOnlySpan<byte> subjectKey)
    {
        if (subjectKey.Length < OtpKey.MinBytes)
        {
            throw new ArgumentException($"The subject key must be at least {OtpKey.MinBytes} bytes.", nameof(subjectKey));
        }

        _key = subjectKey.ToArray();
    }

    /// <summary>The <c>sub</c> of a normalized address.</summary>
    public string For(string normalizedAddress)
    {
        ArgumentNullException.ThrowIfNull(normalizedAddress);
        var address = Encoding.UTF8.GetBytes(normalizedAddress);
        var message = new byte[Domain.Length + 1 + address.Length];
        Domain.CopyTo(message, 0);
        address.CopyTo(message, Domain.Length + 1);
        return Base64Url.EncodeToString(HMACSHA256.HashData(_key, message));
    }
}
