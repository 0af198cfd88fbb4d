namespace OtpService.Core.Rules;

/// <summary>
/// What a successful verification proves, handed to the token issuer: the normalized address and
/// when it was verified (Unix seconds). New facts (the request's verification id, say) are new
/// members here and one claim each in the token.
/// </summary>
public sealed record VerifiedAddress(string Address, long VerifiedAt);

/// <summary>
/// Issues the signed proof a relying party can check (a JWT, RFC 7519) for a verified address.
/// Called after the code matched and before it is consumed, so a signing failure leaves the code usable.
/// </summary>
public interface ITokenIssuer
{
    /// <returns>The token in its compact serialization (RFC 7515 section 7.1).</returns>
    /// <exception cref="TokenSigningUnavailableException">The signer could not be reached, throttled or failed on its side; retrying later can help.</exception>
    /// <exception cref="TokenSigningConfigurationException">The signer refused the key or the caller (missing, disabled or wrong key, access denied).</exception>
    Task<string> IssueAsync(VerifiedAddress verified, CancellationToken cancellationToken);
}

/// <summary>
/// The token could not be signed. The message names the operation, the status and the signer's
/// error type, never the signing input. <see cref="TokenSigningUnavailableException"/> may pass;
/// <see cref="TokenSigningConfigurationException"/> will not until an operator acts.
/// </summary>
public abstract class TokenSigningException(string message, Exception? inner, string? errorType) : Exception(message, inner)
{
    /// <summary>The signer's error code (e.g. <c>DisabledException</c>), or the client-side failure's name.</summary>
    public string ErrorType { get; } = errorType ?? inner?.GetType().Name ?? "Unknown";
}

/// <summary>The signing service is unreachable, too slow, throttled us or failed on its side (answered 503 with Retry-After).</summary>
public sealed class TokenSigningUnavailableException(string message, Exception? inner = null, string? errorType = null)
    : TokenSigningException(message, inner, errorType);

/// <summary>
/// The signing service refused because the deployment is wrong (the key is missing, disabled,
/// pending deletion or of the wrong kind; access denied; bad credentials): retrying cannot help
/// until an operator acts (answered 500, logged with the error type, counted).
/// </summary>
public sealed class TokenSigningConfigurationException(string message, Exception? inner = null, string? errorType = null)
    : TokenSigningException(message, inner, errorType);
