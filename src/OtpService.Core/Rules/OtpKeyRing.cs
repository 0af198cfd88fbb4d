namespace OtpService.Core.Rules;

/// <summary>
/// One version of the server-side HMAC key that codes are derived under: the version id the key
/// store gives it (Secrets Manager's <c>VersionId</c>, a UUID; <see cref="LocalVersion"/> for a key
/// given directly) and the key bytes. The bytes never appear in <see cref="ToString"/>.
/// </summary>
public sealed class OtpKey
{
    /// <summary>HMAC-SHA256 keys shorter than its 32-byte output weaken it (RFC 2104 section 3). The one key-length rule.</summary>
    public const int MinBytes = 32;

    /// <summary>The version id of a key given directly (local development), not read from a key store.</summary>
    public const string LocalVersion = "local";

    private readonly byte[] _material;

    /// <exception cref="ArgumentException">The version is empty or the key is shorter than <see cref="MinBytes"/>.</exception>
    public OtpKey(string version, ReadOnlySpan<byte> material)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (material.Length < MinBytes)
        {
            throw new ArgumentException($"The signing key must be at least {MinBytes} bytes.", nameof(material));
        }

        Version = version;
        _material = material.ToArray();
    }

    public string Version { get; }

    /// <summary>The key bytes (a view: callers must not keep or log them).</summary>
    public ReadOnlySpan<byte> Material => _material;

    public override string ToString() => $"OtpKey {Version}";
}

/// <summary>
/// The keys codes may have been derived under: the current one (new codes) and, during a rotation,
/// the previous one (Secrets Manager's AWSCURRENT and AWSPREVIOUS stages), so codes mailed just
/// before a rotation can still be checked with the key they were derived under.
/// </summary>
public sealed record OtpKeyRing(OtpKey Current, OtpKey? Previous = null)
{
    /// <summary>The key with this version id, or null when the ring holds none.</summary>
    public OtpKey? Find(string version) =>
        string.Equals(Current.Version, version, StringComparison.Ordinal) ? Current
        : Previous is not null && string.Equals(Previous.Version, version, StringComparison.Ordinal) ? Previous
        : null;
}

/// <summary>Where the key ring comes from (in AWS: a Secrets Manager secret's AWSCURRENT and AWSPREVIOUS versions).</summary>
public interface IOtpKeySource
{
    /// <exception cref="DependencyException">The key store could not be read (or holds no key); the caller may keep the ring it has.</exception>
    Task<OtpKeyRing> LoadAsync(CancellationToken cancellationToken);
}
