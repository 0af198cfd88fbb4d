using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>
/// The per-address limits: resend cooldown, sends per rolling hour, and wrong guesses per
/// rolling day across all codes. Each returns the seconds until the limit allows again, or
/// null when it allows now.
/// </summary>
public static class AbuseLimits
{
    public static int? SendRetryAfter(IReadOnlyList<long> sentAt, long now, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(sentAt);
        ArgumentNullException.ThrowIfNull(settings);
        long? wait = null;
        if (sentAt.Count > 0)
        {
            var cooldownEnds = sentAt.Max() + settings.ResendCooldownSeconds;
            if (cooldownEnds > now)
            {
                wait = cooldownEnds - now;
            }
        }

        var inWindow = RecentSends(sentAt, now);
        if (inWindow.Count >= settings.MaxSendsPerHour)
        {
            // The window reopens when enough of the oldest sends have aged out of it.
            var reopensAt = inWindow[inWindow.Count - settings.MaxSendsPerHour] + OtpSettings.SendWindowSeconds;
            wait = Math.Max(wait ?? 0, reopensAt - now);
        }

        return wait is null ? null : AtLeastOneSecond(wait.Value);
    }

    /// <summary>The send times that still count toward the hourly cap, oldest first.</summary>
    public static List<long> RecentSends(IReadOnlyList<long> sentAt, long now)
    {
        ArgumentNullException.ThrowIfNull(sentAt);
        var recent = sentAt.Where(t => t > now - OtpSettings.SendWindowSeconds).ToList();
        recent.Sort();
        return recent;
    }

    public static int? FailureRetryAfter(IReadOnlyList<StoredCode> codes, long now, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(settings);
        // Wrong guesses are counted on their code, and dated by the code's creation; a code lives
        // only minutes, so the window is exact to within one code lifetime.
        var counted = codes
            .Where(c => c.Attempts > 0 && c.CreatedAt > now - OtpSettings.FailureWindowSeconds)
            .OrderBy(c => c.CreatedAt)
            .ToList();
        var failures = counted.Sum(c => c.Attempts);
        if (failures < settings.MaxFailuresPerDay)
        {
            return null;
        }

        foreach (var code in counted)
        {
            failures -= code.Attempts;
            if (failures < settings.MaxFailuresPerDay)
            {
                return AtLeastOneSecond(code.CreatedAt + OtpSettings.FailureWindowSeconds - now);
            }
        }

        return AtLeastOneSecond(OtpSettings.FailureWindowSeconds);
    }

    private static int AtLeastOneSecond(long seconds) => (int)Math.Clamp(seconds, 1, int.MaxValue);
}
