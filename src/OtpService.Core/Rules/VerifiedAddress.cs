namespace OtpService.Core.Rules;

/// <summary>
/// What a successful verification proves, handed to the token issuer: the normalized address and
/// when it was verified (Unix seconds). New facts (the request's verification id, say) are new
/// members here and one claim each in the token.
/// </summary>
public sealed record VerifiedAddress(string Address, long VerifiedAt);
