namespace OtpService.Core.Rules;

/// <summary>Where the key ring comes from (in AWS: a Secrets Manager secret's AWSCURRENT and AWSPREVIOUS versions).</summary>
public interface IOtpKeySource
{
    /// <exception cref="DependencyException">The key store could not be read (or holds no key); the caller may keep the ring it has.</exception>
    Task<OtpKeyRing> LoadAsync(CancellationToken cancellationToken);
}
