namespace OtpService.Core.Rules;

/// <summary>
/// The counted writes of <see cref="IOtpStore"/> for a store without transactions: the window
/// count first (a full window writes nothing), then the record's write. Not all or nothing: a
/// count whose write then loses its race stays counted, as it did when the rules counted first.
/// </summary>
public static class CountedWrites
{
    /// <summary><see cref="IOtpStore.TryIssueCountedAsync"/> as a count, then <see cref="IOtpStore.TryIssueAsync"/>.</summary>
    public static async Task<IssueResult> IssueAsync(IOtpStore store, StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, WindowCount count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await CountAsync(store, count, cancellationToken).ConfigureAwait(false)
            ? await store.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken).ConfigureAwait(false)
            : IssueResult.WindowFull;
    }

    /// <summary><see cref="IOtpStore.TryRecordWrongGuessCountedAsync"/> as a count, then <see cref="IOtpStore.TryRecordWrongGuessAsync"/>.</summary>
    public static async Task<GuessCount> RecordWrongGuessAsync(IOtpStore store, string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, WindowCount count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!await CountAsync(store, count, cancellationToken).ConfigureAwait(false))
        {
            return new GuessCount(CountedWriteStatus.WindowFull, 0);
        }

        return await store.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken).ConfigureAwait(false) is { } guesses
            ? new GuessCount(CountedWriteStatus.Applied, guesses)
            : new GuessCount(CountedWriteStatus.Conflict, 0);
    }

    /// <summary>
    /// <see cref="IOtpStore.TryMarkUsedCountedAsync"/> as a count (the window's room checked),
    /// then the mark and the count's return side by side (a right code is no failure).
    /// </summary>
    public static async Task<CountedWriteStatus> MarkUsedAsync(IOtpStore store, string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, WindowCount count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!await CountAsync(store, count, cancellationToken).ConfigureAwait(false))
        {
            return CountedWriteStatus.WindowFull;
        }

        var marking = store.TryMarkUsedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, cancellationToken);
        var uncounting = store.UncountAsync(count.Window, count.Counter, count.Token, cancellationToken);
        await Task.WhenAll(marking, uncounting).ConfigureAwait(false);
        return await marking.ConfigureAwait(false) ? CountedWriteStatus.Applied : CountedWriteStatus.Conflict;
    }

    private static Task<bool> CountAsync(IOtpStore store, WindowCount count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(count);
        return store.TryCountAsync(count.Window, count.Counter, count.Token, count.Limit, count.Member, count.MemberLimit, count.KeepUntil, cancellationToken);
    }
}
