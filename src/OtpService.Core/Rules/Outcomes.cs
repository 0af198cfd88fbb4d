namespace OtpService.Core.Rules;

public enum GenerateStatus
{
    Sent,

    /// <summary>The address's send bucket, or this client's share of it, is spent for now.</summary>
    RateLimited,

    /// <summary>This client requested too many codes, or for too many addresses, this hour.</summary>
    ClientLimited,

    /// <summary>The global send budget for this minute is spent.</summary>
    BudgetExceeded,

    /// <summary>A code was sent to the address moments ago (its resend cooldown).</summary>
    Cooldown,
}

/// <param name="VerificationId">For <see cref="GenerateStatus.Sent"/>: the id that binds a verify to this request's code (<see cref="VerificationId"/>).</param>
public readonly record struct GenerateOutcome(GenerateStatus Status, int? ExpiresInSeconds = null, int? RetryAfterSeconds = null, string? VerificationId = null);

public enum VerifyStatus
{
    Verified,
    WrongCode,
    Expired,
    NotFound,
    AlreadyUsed,

    /// <summary>A genuine code from an earlier mail of the address, superseded by a newer one; not counted as a wrong guess.</summary>
    Superseded,

    /// <summary>The verification id given is not the newest code's: another request asked for a code since (or the id is not this address's).</summary>
    VerificationIdMismatch,

    /// <summary>This client's tries at this code are used up, or all clients' together are.</summary>
    TooManyAttempts,

    /// <summary>This client failed too many verifications this hour (any address).</summary>
    ClientLimited,
}

/// <param name="Token">For <see cref="VerifyStatus.Verified"/> with a token issuer: the signed proof (a compact JWT).</param>
public readonly record struct VerifyOutcome(VerifyStatus Status, int? AttemptsRemaining = null, int? RetryAfterSeconds = null, string? Token = null)
{
    /// <summary>Why, for the log line only (e.g. <see cref="OtpVerifier.KeyVersionUnknown"/>); never a code, nonce or key.</summary>
    public string? Note { get; init; }
}

/// <summary>What SendOtpEmail did with one code item.</summary>
public enum MailOutcome
{
    Sent,
    /// <summary>Already mailed (a redelivered record), or the item is gone or expired: nothing to send.</summary>
    Skipped,
    /// <summary>Another invocation holds the mailing claim: retry the record after the claim's lease.</summary>
    ClaimHeld,
    /// <summary>The provider did not take the mail; <see cref="MailResult.FailureKind"/> says whether to retry, drop or alarm.</summary>
    Failed,
}

/// <summary>
/// What happened to one mail. For <see cref="MailOutcome.Failed"/>, <see cref="FailureKind"/> is
/// the provider adapter's class and <see cref="Error"/> names the provider's error (never the mail's content).
/// </summary>
public readonly record struct MailResult(MailOutcome Outcome, FailureKind? FailureKind = null, string? Error = null, string? ErrorType = null);
