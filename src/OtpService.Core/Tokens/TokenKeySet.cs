using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace OtpService.Core.Tokens;

/// <summary>
/// The token keys of one deployment: the signer (its key signs every token) and the keys the JWKS
/// publishes, the signer's first, then the other key of a rotation (RFC 7517 section 5).
/// </summary>
public sealed class TokenKeySet
{
    /// <param name="signer">Signs with the current key.</param>
    /// <param name="otherPublishedKeys">Every key the JWKS lists besides the signer's; the signer's own is listed once.</param>
    public TokenKeySet(IJwsSigner signer, IEnumerable<PublicSigningKey>? otherPublishedKeys = null)
    {
        Signer = signer ?? throw new ArgumentNullException(nameof(signer));
        PublishedKeys = [signer.PublicKey, .. (otherPublishedKeys ?? []).Where(k => k.KeyId != signer.KeyId)];
        Jwks = WriteJwks(PublishedKeys);
    }

    public IJwsSigner Signer { get; }

    /// <summary>When the keys were read from their store (UTC); null for keys that are never read again (KMS, a local key).</summary>
    public DateTimeOffset? ReadAt { get; init; }

    /// <summary>The keys the JWKS lists: the signing key first.</summary>
    public IReadOnlyList<PublicSigningKey> PublishedKeys { get; }

    /// <summary>The JWKS document (RFC 7517; each key as RFC 7518 section 6.2.1 describes an EC key).</summary>
    public string Jwks { get; }

    private static string WriteJwks(IEnumerable<PublicSigningKey> keys)
    {
        var json = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(json, IdentityTokens.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            foreach (var key in keys)
            {
                w.WriteStartObject();
                w.WriteString("kty", "EC");
                w.WriteString("crv", "P-256");
                w.WriteString("x", Base64Url.EncodeToString(key.X.Span));
                w.WriteString("y", Base64Url.EncodeToString(key.Y.Span));
                w.WriteString("kid", key.KeyId);
                w.WriteString("use", "sig");
                w.WriteString("alg", IdentityTokens.Algorithm);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(json.WrittenSpan);
    }

}
