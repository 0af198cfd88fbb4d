using System.Security.Cryptography;

namespace OtpService.Core.Tokens;

/// <summary>
/// ES256 with a P-256 private key in memory (System.Security.Cryptography; the signature in the
/// IEEE P1363 form R || S that JWS needs, RFC 7518 section 3.4): in AWS the key read from Secrets
/// Manager (the template's default, TokenSigningKeyStore SecretsManager), locally the runner's
/// development key. With TokenSigningKeyStore KMS the functions sign through KMS instead and hold no private key.
/// </summary>
public sealed class EcdsaJwsSigner : IJwsSigner, IDisposable
{
    private readonly ECDsa _key;

    /// <param name="pkcs8Pem">A P-256 private key, PEM ("BEGIN PRIVATE KEY" or "BEGIN EC PRIVATE KEY").</param>
    /// <exception cref="ArgumentException">Not a P-256 private key in PEM (a public key alone, another curve, not PEM); the message never quotes the input.</exception>
    public EcdsaJwsSigner(string pkcs8Pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkcs8Pem);
        if (!PemEncoding.TryFind(pkcs8Pem, out var fields) || pkcs8Pem.AsSpan()[fields.Label] is not ("PRIVATE KEY" or "EC PRIVATE KEY"))
        {
            // A public key would import and then fail at the first signature: refused here instead.
            throw new ArgumentException("The token signing key is not a private key in PEM form (BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY).", nameof(pkcs8Pem));
        }

        _key = ECDsa.Create();
        try
        {
            _key.ImportFromPem(pkcs8Pem);
            PublicKey = PublicSigningKey.From(_key);
        }
        catch (CryptographicException)
        {
            _key.Dispose();
            // The exception of the import may quote the input: not repeated here.
            throw new ArgumentException("The token signing key is not a P-256 private key in PEM form.", nameof(pkcs8Pem));
        }
        catch (ArgumentException)
        {
            _key.Dispose();
            throw;
        }
    }

    public string KeyId => PublicKey.KeyId;

    public PublicSigningKey PublicKey { get; }

    public Task<byte[]> SignAsync(ReadOnlyMemory<byte> signingInput, CancellationToken cancellationToken) =>
        Task.FromResult(_key.SignData(signingInput.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public void Dispose() => _key.Dispose();
}
