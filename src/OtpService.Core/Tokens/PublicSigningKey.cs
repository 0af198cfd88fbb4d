using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace OtpService.Core.Tokens;

/// <summary>
/// The public half of a P-256 token-signing key, with its key id: the base64url RFC 7638 JWK
/// thumbprint (SHA-256 over the required members crv, kty, x, y), so the id follows from the key
/// itself, changes only when the key does, and a relying party can recompute it.
/// </summary>
public sealed class PublicSigningKey
{
    private PublicSigningKey(string keyId, byte[] x, byte[] y)
    {
        KeyId = keyId;
        X = x;
        Y = y;
    }

    /// <summary>The <c>kid</c> (RFC 7515 section 4.1.4) of tokens signed with this key.</summary>
    public string KeyId { get; }

    /// <summary>The curve point's x coordinate, 32 bytes big-endian.</summary>
    public ReadOnlyMemory<byte> X { get; }

    /// <summary>The curve point's y coordinate, 32 bytes big-endian.</summary>
    public ReadOnlyMemory<byte> Y { get; }

    /// <summary>From a DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7), as KMS <c>GetPublicKey</c> returns it.</summary>
    /// <exception cref="CryptographicException">Not an EC public key.</exception>
    /// <exception cref="ArgumentException">An EC key on another curve than P-256.</exception>
    public static PublicSigningKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> der)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(der, out var read);
        if (read != der.Length)
        {
            throw new ArgumentException("The public key has trailing bytes after its SubjectPublicKeyInfo.", nameof(der));
        }

        return From(key);
    }

    /// <summary>The public half of an in-memory key.</summary>
    /// <exception cref="ArgumentException">The key is not on P-256.</exception>
    public static PublicSigningKey From(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new ArgumentException("ES256 needs a key on P-256 (secp256r1).", nameof(key));
        }

        var thumbprint = new ECDsaSecurityKey(key).ComputeJwkThumbprint();
        return new PublicSigningKey(Base64Url.EncodeToString(thumbprint), parameters.Q.X!, parameters.Q.Y!);
    }
}
