namespace OtpService.Core.Rules;

/// <summary>
/// The generic cell rate algorithm (GCRA, ITU-T I.371; as in Brandur Leach's "Rate limiting,
/// cells, and GCRA"): a token bucket kept as one number, the theoretical arrival time (TAT).
/// A burst of <see cref="Burst"/> is allowed at once, then one per <see cref="IntervalSeconds"/>.
/// All times are Unix seconds; a TAT of 0 means "never used".
/// </summary>
public readonly record struct Gcra(long IntervalSeconds, int Burst)
{
    /// <summary>A limiter allowing <paramref name="perHour"/> at once and refilling <paramref name="perHour"/> an hour (interval rounded up).</summary>
    public static Gcra PerHour(int perHour) => new((3600 + perHour - 1) / perHour, perHour);

    /// <summary>Seconds until one more is allowed, or null when it is allowed now.</summary>
    public long? RetryAfter(long tat, long now)
    {
        var allowedAt = tat - ((Burst - 1) * IntervalSeconds);
        return allowedAt > now ? allowedAt - now : null;
    }

    /// <summary>The TAT after one more at <paramref name="now"/>.</summary>
    public long Take(long tat, long now) => Math.Max(tat, now) + IntervalSeconds;
}
