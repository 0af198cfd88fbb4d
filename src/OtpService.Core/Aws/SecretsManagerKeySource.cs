using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The key ring from one Secrets Manager secret: its AWSCURRENT version (required) and, for a rotated
/// key (<see cref="HmacKey.ReadsPreviousVersion"/>), its AWSPREVIOUS version (present after the first
/// rotation), each keyed by VersionId.
/// </summary>
public sealed class SecretsManagerKeySource(SecretsManagerClient client, string secretArn, HmacKey key) : IOtpKeySource
{
    private readonly SecretsManagerClient _client = client ?? throw new ArgumentNullException(nameof(client));
    private readonly string _secretArn = string.IsNullOrWhiteSpace(secretArn) ? throw new ArgumentException("A secret ARN is required.", nameof(secretArn)) : secretArn;
    private readonly HmacKey _key = key ?? throw new ArgumentNullException(nameof(key));

    /// <summary>Reads the ring: every failure is a <see cref="DependencyException"/> of Secrets Manager.</summary>
    /// <exception cref="DependencyException">Secrets Manager failed (its <see cref="FailureKind"/> says whether it is an
    /// outage), or a version is no key (too short, binary, no VersionId: a configuration error).</exception>
    public async Task<OtpKeyRing> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException failure)
        {
            // A version too short: the secret's value is wrong.
            throw SecretsManagerClient.InvalidValue(failure.Message);
        }
    }

    /// <summary>The versions, read in parallel.</summary>
    private async Task<OtpKeyRing> ReadAsync(CancellationToken cancellationToken)
    {
        var current = _client.GetSecretVersionAsync(_secretArn, SecretsManagerClient.CurrentStage, cancellationToken);
        var previous = _key.ReadsPreviousVersion
            ? _client.GetSecretVersionAsync(_secretArn, SecretsManagerClient.PreviousStage, cancellationToken)
            : Task.FromResult<SecretVersion?>(null);
        await Task.WhenAll(current, previous).ConfigureAwait(false);
        var origin = $"The secret named by {_key.SecretArnVariable}";
        var currentVersion = (await current.ConfigureAwait(false))!;
        var previousVersion = await previous.ConfigureAwait(false);
        return new OtpKeyRing(
            SecretKeyLoader.ToKey(_key, currentVersion.VersionId, currentVersion.SecretString, origin),
            previousVersion is null ? null : SecretKeyLoader.ToKey(_key, previousVersion.VersionId, previousVersion.SecretString, $"{origin} (AWSPREVIOUS)"));
    }
}
