using OtpService.Core.Rules;

namespace OtpService.Core.Tokens;

/// <summary>
/// Signs a JWS signing input (RFC 7515 section 5.1: ASCII(BASE64URL(header) '.' BASE64URL(payload)))
/// with ES256 and names the key it used. In AWS the private key stays in KMS; locally it is a
/// development key in memory.
/// </summary>
public interface IJwsSigner
{
    /// <summary>The key's <c>kid</c>: its RFC 7638 JWK thumbprint, the same value the JWKS publishes.</summary>
    string KeyId { get; }

    /// <summary>The public half, as published in the JWKS.</summary>
    PublicSigningKey PublicKey { get; }

    /// <returns>The ES256 signature in the JOSE form: R || S, 64 bytes (RFC 7518 section 3.4).</returns>
    /// <exception cref="DependencyException">The signer failed (<see cref="DependencyException.Kind"/> says whether retrying later can help).</exception>
    Task<byte[]> SignAsync(ReadOnlyMemory<byte> signingInput, CancellationToken cancellationToken);
}
