namespace OtpService.Core.Otp;

public enum GenerateStatus
{
    Sent,
    /// <summary>Cooldown or hourly send cap.</summary>
    RateLimited,
    /// <summary>Too many wrong guesses for the address in the failure window.</summary>
    TooManyFailures,
}

public readonly record struct GenerateOutcome(GenerateStatus Status, int? ExpiresInSeconds = null, int? RetryAfterSeconds = null);

public enum VerifyStatus
{
    Verified,
    WrongCode,
    Expired,
    NotFound,
    AlreadyUsed,
    /// <summary>This code's attempts are used up, or the address's failure cap is reached.</summary>
    TooManyAttempts,
}

public readonly record struct VerifyOutcome(VerifyStatus Status, int? AttemptsRemaining = null, int? RetryAfterSeconds = null);

/// <summary>What SendOtpEmail did with one code item.</summary>
public enum MailOutcome
{
    Sent,
    /// <summary>Already mailed (a redelivered record), or the item is gone, used or expired: nothing to send.</summary>
    Skipped,
    /// <summary>A transient failure, or another invocation holds the mailing claim: retry the record later.</summary>
    RetryLater,
    /// <summary>The provider refused this mail for good; retrying cannot help.</summary>
    Rejected,
}

/// <summary>What happened to one mail; <see cref="Error"/> names the provider's error (never the mail's content).</summary>
public readonly record struct MailResult(MailOutcome Outcome, string? Error = null);
