namespace OtpService.Core.Rules;

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
