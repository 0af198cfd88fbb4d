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
