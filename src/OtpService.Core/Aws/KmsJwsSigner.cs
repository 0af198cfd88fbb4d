using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Aws;

/// <summary>
/// ES256 through AWS KMS: the private key never leaves KMS. Signs with <c>kms:Sign</c>
/// (SigningAlgorithm ECDSA_SHA_256, MessageType RAW: KMS hashes the JWS signing input itself, so
/// the hash can only be the one the algorithm names; the input is at most about 1.3 KB, below RAW's
/// 4,096-byte limit) and converts KMS's DER signature to the JOSE form
/// (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html). KMS keeps no message:
/// CloudTrail records a Sign call's key and algorithm, not its input. (DIGEST would keep the
/// address inside the function, but moto 5.2's KMS does not implement it, and the KMS path is
/// tested against moto.) The public key comes from <c>kms:GetPublicKey</c> once, at start.
/// </summary>
public sealed class KmsJwsSigner : IJwsSigner
{
    private readonly IAmazonKeyManagementService _kms;
    private readonly string _keyId;

    private KmsJwsSigner(IAmazonKeyManagementService kms, string keyId, PublicSigningKey publicKey)
    {
        _kms = kms;
        _keyId = keyId;
        PublicKey = publicKey;
    }

    public string KeyId => PublicKey.KeyId;

    public PublicSigningKey PublicKey { get; }

    /// <summary>Reads the key's public half (and checks it is an ECC_NIST_P256 SIGN_VERIFY key).</summary>
    /// <param name="kms">The client.</param>
    /// <param name="keyId">Key ARN, key id or alias ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidOperationException">The key is of another kind.</exception>
    /// <exception cref="DependencyException">KMS failed, classified by <see cref="AwsFailureClassifier"/>.</exception>
    public static async Task<KmsJwsSigner> CreateAsync(IAmazonKeyManagementService kms, string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kms);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        return new KmsJwsSigner(kms, keyId, await GetPublicKeyAsync(kms, keyId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The public half of a KMS signing key, checked to be usable for ES256.</summary>
    /// <exception cref="InvalidOperationException">The key is not ECC_NIST_P256 with SIGN_VERIFY and ECDSA_SHA_256.</exception>
    /// <exception cref="DependencyException">KMS failed, classified by <see cref="AwsFailureClassifier"/>.</exception>
    public static async Task<PublicSigningKey> GetPublicKeyAsync(IAmazonKeyManagementService kms, string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kms);
        GetPublicKeyResponse answer;
        try
        {
            answer = await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyId }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested && AwsFailureClassifier.FromSdk(Dependency.KMS, "KMS GetPublicKey", failure) is { } classified)
        {
            throw classified;
        }

        var wrongKind = new InvalidOperationException(
            $"KMS key {keyId} cannot sign ES256 tokens: it must be KeySpec ECC_NIST_P256 with KeyUsage SIGN_VERIFY (it is {answer.KeyUsage?.Value ?? "of unknown usage"}).");
        if (answer.KeyUsage != KeyUsageType.SIGN_VERIFY || answer.SigningAlgorithms?.Contains(SigningAlgorithmSpec.ECDSA_SHA_256.Value) != true)
        {
            throw wrongKind;
        }

        // The curve is checked on the key itself: KMS names it in KeySpec, some emulators (moto 5.2)
        // only in the deprecated CustomerMasterKeySpec, and the SubjectPublicKeyInfo always carries it.
        try
        {
            return PublicSigningKey.FromSubjectPublicKeyInfo(answer.PublicKey.ToArray());
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw wrongKind;
        }
    }

    /// <summary>KMS Sign's limit for MessageType RAW.</summary>
    public const int MaxRawMessageBytes = 4096;

    /// <exception cref="DependencyException">KMS could not be reached, was too slow, throttled us or failed on its side (transient), or refused the key or the caller (configuration).</exception>
    /// <exception cref="ArgumentException">The input exceeds <see cref="MaxRawMessageBytes"/>.</exception>
    public async Task<byte[]> SignAsync(ReadOnlyMemory<byte> signingInput, CancellationToken cancellationToken)
    {
        if (signingInput.Length > MaxRawMessageBytes)
        {
            throw new ArgumentException($"A JWS signing input of {signingInput.Length} bytes exceeds KMS Sign's {MaxRawMessageBytes}-byte RAW message.", nameof(signingInput));
        }

        using var message = new MemoryStream(signingInput.ToArray());
        SignResponse answer;
        try
        {
            answer = await _kms.SignAsync(new SignRequest
            {
                KeyId = _keyId,
                Message = message,
                MessageType = MessageType.RAW,
                SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested && AwsFailureClassifier.FromSdk(Dependency.KMS, "KMS Sign", failure) is { } classified)
        {
            // The caller's own cancellation (the invocation's deadline) passes through as it is.
            throw classified;
        }

        using var der = answer.Signature;
        return EcdsaSignature.DerToJose(der.ToArray());
    }
}
