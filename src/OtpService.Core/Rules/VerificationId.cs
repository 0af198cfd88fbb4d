using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace OtpService.Core.Rules;

/// <summary>
/// Binds a code to the request that asked for it (OWASP ASVS 5.0 6.6.2): generate's 202 returns a
/// random verification id, and a verify that gives it succeeds only for the code that request
/// issued. The id is 16 bytes (128 bits) from <see cref="SnapshotSafeRandom"/>, sent as 22
/// base64url characters without padding (RFC 4648 section 5).
/// <para>
/// Stored as SHA-256 of its text, never as itself, as OAuth PKCE stores a code_verifier's challenge
/// (RFC 7636 section 4.2, S256). An unkeyed hash is enough: a keyed one (as for client tags) guards
/// inputs that can be enumerated, such as the 2^32 IPv4 addresses, and 2^128 ids cannot be; it also
/// keeps any key away from GenerateOtp. Compared in constant time.
/// </para>
/// </summary>
public static class VerificationId
{
    /// <summary>Random bytes in an id: 128 bits.</summary>
    public const int Bytes = 16;

    /// <summary>Characters of an id: base64url of <see cref="Bytes"/> bytes, unpadded.</summary>
    public const int Length = 22;

    /// <summary>Bytes of a stored hash (SHA-256).</summary>
    public const int HashBytes = 32;

    /// <summary>A new id and the hash to store with its code.</summary>
    public static (string Id, byte[] Hash) New()
    {
        var id = Base64Url.EncodeToString(SnapshotSafeRandom.GetBytes(Bytes));
        return (id, Hash(id));
    }

    /// <summary>SHA-256 of the id's ASCII text.</summary>
    public static byte[] Hash(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return SHA256.HashData(Encoding.ASCII.GetBytes(id));
    }

    /// <summary>
    /// The id as given when it has an id's form (exactly <see cref="Length"/> base64url characters),
    /// else null with <paramref name="reason"/> (the text after the field name in a 400 answer).
    /// </summary>
    public static string? TryParse(string raw, out string reason)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Length == 0)
        {
            reason = "is empty; send the verificationId from generate's answer, or leave the field out";
            return null;
        }

        if (raw.Length != Length || raw.AsSpan().ContainsAnyExcept(Alphabet))
        {
            reason = $"must be the verificationId from generate's answer: {Length} characters of A-Z, a-z, 0-9, - and _";
            return null;
        }

        reason = "";
        return raw;
    }

    /// <summary>True when <paramref name="stored"/> is the hash of <paramref name="id"/>; constant time in the content. False when nothing is stored.</summary>
    public static bool Belongs(string id, byte[]? stored) =>
        stored is not null && CryptographicOperations.FixedTimeEquals(Hash(id), stored);

    private static readonly System.Buffers.SearchValues<char> Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
