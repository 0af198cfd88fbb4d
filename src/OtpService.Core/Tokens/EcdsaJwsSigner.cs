using System.Security.Cryptography;

namespace OtpService.Core.Tokens;

/// <summary>
/// ES256 with a private key in memory: the local runner's development key only. In AWS the
/// functions sign through KMS and never hold a private key (the loader refuses this one there).
/// </summary>
public sealed class EcdsaJwsSigner : IJwsSigner, IDisposable
{
    private readonly ECDsa _key;

    /// <param name="pkcs8Pem">A P-256 private key, PEM ("BEGIN PRIVATE KEY" or "BEGIN EC PRIVATE KEY").</param>
    /// <exception cref="ArgumentException">Not a P-256 private key in PEM.</exception>
    public EcdsaJwsSigner(string pkcs8Pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkcs8Pem);
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
