namespace OtpService.Core.Rules;

/// <summary>
/// The address record: every counter and window the rules keep for one address, in fixed size
/// (nothing in it grows with the address's history). Absent record: <see cref="Empty"/>.
/// </summary>
/// <param name="Version">Bumped by every write to the record; issuing is conditional on it.</param>
/// <param name="Newest">EXPIRATION_TIME (Unix seconds) of the newest code, the only one that can verify; null before the first.</param>
/// <param name="Attempts">Wrong guesses at the newest code from all clients.</param>
/// <param name="Guesses">Wrong guesses at the newest code per client tag; at most <paramref name="Attempts"/> entries.</param>
/// <param name="UsedAt">When the newest code was verified (Unix seconds), or null.</param>
/// <param name="SendTat">The address's send limiter: GCRA theoretical arrival time (Unix seconds; 0 = never sent).</param>
/// <param name="LastSentAt">When the newest code was issued (Unix seconds; 0 = never), for the resend cooldown.</param>
/// <param name="Senders">Per-client send limiters for this address: client tag to GCRA theoretical arrival time, only clients still limited.</param>
/// <param name="Failures">Wrong guesses at the address not yet forgiven, as of <paramref name="FailuresSince"/>.</param>
/// <param name="FailuresSince">Unix seconds from which forgiveness of <paramref name="Failures"/> is counted.</param>
public sealed record AddressState(
    long Version,
    long? Newest,
    int Attempts,
    IReadOnlyDictionary<string, int> Guesses,
    long? UsedAt,
    long SendTat,
    long LastSentAt,
    IReadOnlyDictionary<string, long> Senders,
    long Failures,
    long FailuresSince)
{
    public static readonly AddressState Empty = new(0, null, 0, new Dictionary<string, int>(), null, 0, 0, new Dictionary<string, long>(), 0, 0);

    /// <summary>
    /// The codes issued last that had not expired when the newest was issued, newest first: the
    /// newest and at most <c>SupersededCodes.Earlier</c> earlier ones (fixed size), so verify can
    /// tell a code from an earlier mail from a wrong one without reading more items.
    /// </summary>
    public IReadOnlyList<RecentCode> Recent { get; init; } = [];

    /// <summary>Wrong guesses at the newest code from one client.</summary>
    public int GuessesBy(string clientTag) => Guesses.TryGetValue(clientTag, out var count) ? count : 0;

    /// <summary>
    /// The owner lane: client tags that verified a code of this address, to when (Unix seconds);
    /// at most <c>AbuseLimits.MaxOwners</c> entries. Other clients' per-address limits do not
    /// block these clients (README "Abuse limits").
    /// </summary>
    public IReadOnlyDictionary<string, long> Owners { get; init; } = new Dictionary<string, long>();
}
