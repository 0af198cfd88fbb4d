namespace OtpService.Core.Rules;

/// <param name="Token">For <see cref="VerifyStatus.Verified"/> with a token issuer: the signed proof (a compact JWT).</param>
public readonly record struct VerifyOutcome(VerifyStatus Status, int? AttemptsRemaining = null, int? RetryAfterSeconds = null, string? Token = null)
{
    /// <summary>Why, for the log line only (e.g. <see cref="OtpVerifier.KeyVersionUnknown"/>); never a code, nonce or key.</summary>
    public string? Note { get; init; }
}
