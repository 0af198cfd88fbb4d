using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OtpService.Core.Otp;

/// <summary>
/// Derives a code from a stored random nonce under the server's signing key, so nothing at
/// rest (table, stream, logs) can produce the code without the key:
/// code = first 8 bytes of HMAC-SHA256(key, "otp-v1" 0x00 address 0x00 nonce), read as a
/// big-endian unsigned 64-bit number, modulo 10^digits, left-padded with zeros.
/// (HOTP truncates to 31 bits; 64 bits keeps 10-digit codes uniform: bias below 10^-9.)
/// </summary>
public sealed class OtpCode
{
    public const int NonceBytes = 16;
    public const int MinKeyBytes = 32;
    private static readonly byte[] Domain = "otp-v1"u8.ToArray();

    private readonly byte[] _key;

    public OtpCode(ReadOnlySpan<byte> signingKey)
    {
        if (signingKey.Length < MinKeyBytes)
        {
            throw new ArgumentException($"The signing key must be at least {MinKeyBytes} bytes.", nameof(signingKey));
        }

        _key = signingKey.ToArray();
    }

    /// <summary>A fresh nonce from the operating system's CSPRNG.</summary>
    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    public string Derive(string normalizedAddress, ReadOnlySpan<byte> nonce, int digits)
    {
        ArgumentNullException.ThrowIfNull(normalizedAddress);
        if (digits is < 6 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(digits), "A code has 6 to 10 digits.");
        }

        var address = Encoding.UTF8.GetBytes(normalizedAddress);
        var message = new byte[Domain.Length + 1 + address.Length + 1 + nonce.Length];
        Domain.CopyTo(message, 0);
        address.CopyTo(message, Domain.Length + 1);
        nonce.CopyTo(message.AsSpan(Domain.Length + 1 + address.Length + 1));

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, message, mac);
        var number = BinaryPrimitives.ReadUInt64BigEndian(mac) % Pow10(digits);
        return number.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>True when <paramref name="submitted"/> is the code for this nonce; constant time in the code's content.</summary>
    public bool Matches(string normalizedAddress, ReadOnlySpan<byte> nonce, int digits, string submitted)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        var expected = Encoding.ASCII.GetBytes(Derive(normalizedAddress, nonce, digits));
        var given = Encoding.ASCII.GetBytes(submitted);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static ulong Pow10(int digits)
    {
        ulong result = 1;
        for (var i = 0; i < digits; i++)
        {
            result *= 10;
        }

        return result;
    }
}
