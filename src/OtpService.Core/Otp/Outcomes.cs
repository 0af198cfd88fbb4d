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
