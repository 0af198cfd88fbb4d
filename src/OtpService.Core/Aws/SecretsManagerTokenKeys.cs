using System.Security.Cryptography;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Aws;

/// <summary>
/// The token-signing keys held in one Secrets Manager secret (OTP_TOKEN_SIGNING_KEY_SECRET_ARN), each
/// version a P-256 private key in PEM (PKCS#8, "BEGIN PRIVATE KEY"): AWSCURRENT signs; AWSPREVIOUS
/// (the key before the last rotation, so tokens it signed still verify) and AWSPENDING (the next key,
/// published before it signs) are listed in the JWKS by their public halves only. The same ring
/// discipline as the code key (<see cref="SecretsManagerKeySource"/>).
/// </summary>
/// <remarks>
/// The template creates the secret without a value (CloudFormation cannot generate an EC key). The first
/// start that finds no AWSCURRENT generates a key and writes it with PutSecretValue under the fixed
/// ClientRequestToken <see cref="FirstVersionId"/>: Secrets Manager accepts that version once, and
/// refuses the same token with another value (ResourceExistsException). Every start, the writer
/// included, then signs with the AWSCURRENT it reads back, so two first starts at once end with one key.
/// No key, private or public, appears in an exception or a log; a refusal names the secret and the stage.
/// </remarks>
public sealed class SecretsManagerTokenKeys
{
    /// <summary>The VersionId of the first key: fixed, so only one first key can ever be written.</summary>
    public const string FirstVersionId = "e5256000-0000-4000-8000-00000000f125";

    private readonly SecretsManagerClient _client;
    private readonly string _secretArn;
    private readonly TimeProvider _clock;

    /// <param name="client">The Secrets Manager client (its call timeout bounds each read).</param>
    /// <param name="secretArn">The secret's ARN.</param>
    /// <param name="clock">Stamps <see cref="TokenKeySet.ReadAt"/> (the refresh follows it).</param>
    public SecretsManagerTokenKeys(SecretsManagerClient client, string secretArn, TimeProvider clock)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentException.ThrowIfNullOrWhiteSpace(secretArn);
        _secretArn = secretArn;
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    }

    /// <summary>Reads the three stages in parallel, writing the first key when there is none.</summary>
    /// <exception cref="DependencyException">Secrets Manager failed (its <see cref="FailureKind"/> says whether it is an outage),
    /// or a version is not a P-256 private key in PEM (configuration; the message names the secret and the stage).</exception>
    public async Task<TokenKeySet> LoadAsync(CancellationToken cancellationToken)
    {
        var current = _client.FindSecretVersionAsync(_secretArn, SecretsManagerClient.CurrentStage, cancellationToken);
        var previous = _client.FindSecretVersionAsync(_secretArn, SecretsManagerClient.PreviousStage, cancellationToken);
        var pending = _client.FindSecretVersionAsync(_secretArn, SecretsManagerClient.PendingStage, cancellationToken);
        await Task.WhenAll(current, previous, pending).ConfigureAwait(false);

        var currentVersion = await current.ConfigureAwait(false) ?? await WriteFirstKeyAsync(cancellationToken).ConfigureAwait(false);
        var signer = Signer(currentVersion, SecretsManagerClient.CurrentStage);
        try
        {
            List<PublicSigningKey> others = [];
            foreach (var (version, stage) in new[] { (await previous.ConfigureAwait(false), SecretsManagerClient.PreviousStage), (await pending.ConfigureAwait(false), SecretsManagerClient.PendingStage) })
            {
                if (version is not null && version.VersionId != currentVersion.VersionId)
                {
                    using var other = Signer(version, stage);
                    others.Add(other.PublicKey);
                }
            }

            return new TokenKeySet(signer, others) { ReadAt = _clock.GetUtcNow() };
        }
        catch
        {
            signer.Dispose();
            throw;
        }
    }

    /// <summary>A fresh P-256 key, written as the first version; then whatever AWSCURRENT holds (this key, or a concurrent start's).</summary>
    private async Task<SecretVersion> WriteFirstKeyAsync(CancellationToken cancellationToken)
    {
        string pem;
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var pkcs8 = key.ExportPkcs8PrivateKey();
            try
            {
                pem = new string(PemEncoding.Write("PRIVATE KEY", pkcs8));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }

        try
        {
            await _client.PutSecretValueAsync(_secretArn, FirstVersionId, pem, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyException taken) when (taken.ErrorType == SecretsManagerClient.ResourceExists)
        {
            // Another start wrote the first key: it is the one AWSCURRENT holds.
        }

        return await _client.FindSecretVersionAsync(_secretArn, SecretsManagerClient.CurrentStage, cancellationToken).ConfigureAwait(false)
            ?? throw SecretsManagerClient.InvalidValue($"The token signing key secret '{_secretArn}' has no {SecretsManagerClient.CurrentStage} version after the first key was written.");
    }

    /// <summary>The signer of one version; a value that is not a P-256 private key is refused naming the secret and the stage, never quoting the value.</summary>
    private EcdsaJwsSigner Signer(SecretVersion version, string stage)
    {
        try
        {
            return new EcdsaJwsSigner(version.SecretString);
        }
        catch (ArgumentException)
        {
            throw SecretsManagerClient.InvalidValue(
                $"The token signing key secret '{_secretArn}' ({stage}, version {version.VersionId}) is not a P-256 (ES256) private key in PEM form; "
                + "put a PKCS#8 P-256 key as a new version (docs/deploy.md \"Rotating the token signing key\").");
        }
    }
}
