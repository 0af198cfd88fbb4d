
namespace OtpService.Core.Rules;

/// <summary>
/// The abuse limits, as pure functions of the fixed-size records (README "Abuse limits" gives
/// the figures behind each choice). Per address: resend cooldown, a send bucket, and a
/// failure level that lengthens new codes instead of locking the address. Per client and
/// address: a send bucket smaller than the address's, so one client never spends all of an
/// address's sends. Per client: requests, distinct addresses and failed verifications per
/// fixed hour. Global: codes per minute. The owner lane: a client that verified a code of the
/// address within <see cref="OwnerTrustSeconds"/> is not blocked by the limits other clients
/// spend (the address's send bucket, the all-clients tries at a code). Waits are whole seconds,
/// at least one.
/// </summary>
public static class AbuseLimits
{
    /// <summary>The per-client send buckets an address record keeps at most (fixed size; the oldest go first).</summary>
    public const int MaxTrackedSenders = 16;

    /// <summary>The owner-lane clients an address record keeps at most (fixed size; the least recent go first).</summary>
    public const int MaxOwners = 4;

    /// <summary>How long a client that verified a code of an address stays in its owner lane: 30 days (seconds).</summary>
    public const int OwnerTrustSeconds = 30 * 86_400;

    /// <summary>True when <paramref name="clientTag"/> verified a code of the address less than <see cref="OwnerTrustSeconds"/> before <paramref name="now"/>.</summary>
    public static bool IsOwner(AddressState state, string clientTag, long now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Owners.TryGetValue(clientTag, out var verifiedAt) && now - verifiedAt < OwnerTrustSeconds;
    }

    /// <summary>The owner lane after <paramref name="clientTag"/> verified a code at <paramref name="now"/>: it, and the most recent others still trusted, at most <see cref="MaxOwners"/>.</summary>
    public static Dictionary<string, long> OwnersAfterSuccess(AddressState state, string clientTag, long now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var owners = Trusted(state.Owners, now, MaxOwners - 1, except: clientTag);
        owners[clientTag] = now;
        return owners;
    }

    /// <summary>Seconds until <paramref name="clientTag"/> may have a code sent to the address, or null when it may now.</summary>
    public static int? SendRetryAfter(AddressState state, string clientTag, long now, OtpSettings settings) =>
        SendWait(state, clientTag, now, settings)?.Seconds;

    /// <summary>
    /// How long <paramref name="clientTag"/> must wait before a code is sent to the address, and
    /// which limit makes it wait (the one with the longest wait; the cooldown on a tie, the limit a
    /// person expects), or null when it may now.
    /// </summary>
    public static SendWait? SendWait(AddressState state, string clientTag, long now, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        var cooldown = state.LastSentAt > 0 ? state.LastSentAt + settings.ResendCooldownSeconds - now : 0;
        var address = IsOwner(state, clientTag, now) ? 0 : Gcra.PerHour(settings.MaxSendsPerHour).RetryAfter(state.SendTat, now) ?? 0;
        var senderTat = state.Senders.TryGetValue(clientTag, out var tat) ? tat : 0;
        var share = Gcra.PerHour(settings.ClientMaxSendsPerAddressPerHour).RetryAfter(senderTat, now) ?? 0;
        var (wait, limit) = (cooldown, SendLimit.Cooldown);
        if (address > wait)
        {
            (wait, limit) = (address, SendLimit.Address);
        }

        if (share > wait)
        {
            (wait, limit) = (share, SendLimit.ClientShare);
        }

        return wait > 0 ? new SendWait(AtLeastOneSecond(wait), limit) : null;
    }

    /// <summary>
    /// The address record after a code expiring at <paramref name="newest"/> is sent at the
    /// request of <paramref name="clientTag"/>: a fresh newest code (no guesses, unused), the
    /// client's bucket taken and the address's too (unless the client is an owner: its sends
    /// are its own bucket's only), forgiveness applied to the failure level, owners no longer
    /// trusted dropped.
    /// </summary>
    public static AddressState AfterSend(AddressState state, string clientTag, long newest, long now, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        var senders = state.Senders
            .Where(s => s.Value > now && s.Key != clientTag)
            .OrderByDescending(s => s.Value)
            .Take(MaxTrackedSenders - 1)
            .ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        senders[clientTag] = Gcra.PerHour(settings.ClientMaxSendsPerAddressPerHour).Take(state.Senders.GetValueOrDefault(clientTag), now);
        var (failures, since) = Forgive(state.Failures, state.FailuresSince, now, settings.FailureForgiveSeconds);
        return state with
        {
            Newest = newest,
            Attempts = 0,
            Guesses = new Dictionary<string, int>(StringComparer.Ordinal),
            UsedAt = null,
            SendTat = IsOwner(state, clientTag, now) ? state.SendTat : Gcra.PerHour(settings.MaxSendsPerHour).Take(state.SendTat, now),
            Owners = Trusted(state.Owners, now, MaxOwners, except: null),
            LastSentAt = now,
            Senders = senders,
            Failures = failures,
            FailuresSince = since,
        };
    }

    /// <summary>
    /// The failure level after forgiving one failure per <paramref name="forgiveSeconds"/> since
    /// <paramref name="since"/>: (level, the time forgiveness now counts from).
    /// </summary>
    public static (long Failures, long Since) Forgive(long failures, long since, long now, int forgiveSeconds)
    {
        var forgiven = Math.Max(0, now - since) / forgiveSeconds;
        return forgiven >= failures ? (0, now) : (failures - forgiven, since + (forgiven * forgiveSeconds));
    }

    /// <summary>Digits of the next code: long while the address's unforgiven failures reach the threshold.</summary>
    public static int DigitsFor(AddressState state, long now, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        var (failures, _) = Forgive(state.Failures, state.FailuresSince, now, settings.FailureForgiveSeconds);
        return failures >= settings.FailuresBeforeLongCodes ? settings.LongCodeLength : settings.CodeLength;
    }

    /// <summary>When the address record holds nothing a rule still needs (its TTL): every bucket refilled, every failure forgiven, the newest code expired, every owner's trust over.</summary>
    public static long RecordKeepUntil(AddressState state, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        var forgivenBy = state.FailuresSince + (state.Failures * settings.FailureForgiveSeconds);
        var senders = state.Senders.Count > 0 ? state.Senders.Values.Max() : 0;
        var trusted = state.Owners.Count > 0 ? state.Owners.Values.Max() + OwnerTrustSeconds : 0;
        return new[] { state.Newest ?? 0, state.SendTat, senders, forgivenBy, state.LastSentAt + settings.ResendCooldownSeconds, trusted }.Max() + 3600;
    }

    /// <summary>The client's counters for the fixed hour that holds <paramref name="now"/>.</summary>
    public static WindowKey ClientWindow(string clientTag, long now) =>
        new("client#" + clientTag, WindowEnd(now, OtpSettings.ClientWindowSeconds));

    /// <summary>The global send budget's counter for the minute that holds <paramref name="now"/>.</summary>
    public static WindowKey BudgetWindow(long now) => new("budget#sends", WindowEnd(now, OtpSettings.BudgetWindowSeconds));

    /// <summary>Seconds until a window closes, at least one.</summary>
    public static int UntilClosed(WindowKey window, long now) => AtLeastOneSecond(window.WindowEnd - now);

    /// <summary>How long a window record is kept: an hour past its close, for anyone reading the table.</summary>
    public static long WindowKeepUntil(WindowKey window) => window.WindowEnd + 3600;

    private static Dictionary<string, long> Trusted(IReadOnlyDictionary<string, long> owners, long now, int keep, string? except) => owners
        .Where(o => now - o.Value < OwnerTrustSeconds && o.Key != except)
        .OrderByDescending(o => o.Value)
        .Take(keep)
        .ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal);

    private static long WindowEnd(long now, int length) => ((now / length) + 1) * length;

    private static int AtLeastOneSecond(long seconds) => (int)Math.Clamp(seconds, 1, int.MaxValue);
}
