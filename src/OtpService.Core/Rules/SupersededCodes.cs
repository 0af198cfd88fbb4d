
namespace OtpService.Core.Rules;

/// <summary>
/// Codes from earlier mails of the same address, superseded by a newer one. They never verify
/// (only the newest code can), but a genuine one is told apart from a wrong guess: whoever holds it
/// read the mailbox, so it is answered "superseded" (use the newest mail) and not counted as a
/// wrong guess. The address record remembers the newest code and at most <see cref="Earlier"/>
/// earlier ones that had not expired (fixed size; no extra read at verify).
/// <para>
/// What an attacker gains: a match says the submitted digits are an earlier code's, which never
/// verifies and is derived from its own random nonce, so it tells nothing of the newest code. The
/// check runs only after the newest compare failed and after every limit let the request through,
/// and the request stays counted in the client's hourly failures, so it adds no guesses. The work is
/// fixed (<see cref="Earlier"/> slots, two keys each, no early exit), so its time says nothing of
/// how many earlier codes there are or which one matched.
/// </para>
/// </summary>
public static class SupersededCodes
{
    /// <summary>Earlier codes remembered besides the newest. A user types one of the last few mails; more would cost space and compares.</summary>
    public const int Earlier = 2;

    // Stands in for an empty slot so every check derives the same number of codes.
    private static readonly byte[] EmptySlotNonce = new byte[CodeDerivation.NonceBytes];

    /// <summary>
    /// The record's list after <paramref name="issued"/> becomes the newest code at
    /// <paramref name="now"/>: it first, then the earlier ones still unexpired, at most
    /// <see cref="Earlier"/> of them.
    /// </summary>
    public static IReadOnlyList<RecentCode> Remember(IReadOnlyList<RecentCode> recent, StoredCode issued, long now)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(issued);
        return [new RecentCode(issued.ExpiresAt, issued.Nonce, issued.Digits), .. recent.Where(r => r.ExpiresAt >= now).Take(Earlier)];
    }

    /// <summary>
    /// True when <paramref name="submitted"/> is the code of an earlier, still unexpired code of the
    /// address (one in <see cref="AddressState.Recent"/> other than <paramref name="newest"/>), under
    /// the current or the previous key (generate writes the list and never holds the key, so the
    /// version an earlier code was mailed under is not known here). Constant time in the codes' content.
    /// </summary>
    public static bool IsEarlierCode(CodeDerivation derivation, string address, AddressState state, long newest, long now, string submitted)
    {
        ArgumentNullException.ThrowIfNull(derivation);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(submitted);
        var earlier = state.Recent.Where(r => r.ExpiresAt != newest).Take(Earlier).ToList();
        var found = false;
        for (var slot = 0; slot < Earlier; slot++)
        {
            var entry = slot < earlier.Count ? earlier[slot] : null;
            var live = entry is not null && entry.ExpiresAt >= now;
            // Non-short-circuit '&' and '|': every slot is derived and compared, live or not.
            found |= live & derivation.MatchesAnyKey(address, entry?.Nonce ?? EmptySlotNonce, entry?.Digits ?? submitted.Length, submitted);
        }

        return found;
    }
}
