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
