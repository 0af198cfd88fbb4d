namespace OtpService.Core.Aws;

/// <summary>One version of a secret: its VersionId (a UUID) and its SecretString. <see cref="ToString"/> shows the id only.</summary>
public sealed record SecretVersion(string VersionId, string SecretString)
{
    public override string ToString() => $"SecretVersion {VersionId}";
}
