namespace OtpService.Core.Rules;

/// <summary>
/// Issues the signed proof a relying party can check (a JWT, RFC 7519) for a verified address.
/// Called after the code matched and before it is consumed, so a signing failure leaves the code usable.
/// </summary>
public interface ITokenIssuer
{
    /// <returns>The token in its compact serialization (RFC 7515 section 7.1).</returns>
    /// <exception cref="DependencyException">The signer failed: <see cref="FailureKind.Transient"/> when it could not be reached, throttled or failed on its side;
    /// <see cref="FailureKind.Configuration"/> when it refused the key or the caller (missing, disabled or wrong key, access denied).</exception>
    Task<string> IssueAsync(VerifiedAddress verified, CancellationToken cancellationToken);
}
