namespace OtpService.Core.Rules;

/// <summary>
/// Storage port for the OTP rules. Reads are constant-size (one record, or one record and one
/// code); every state change is one conditional write, so concurrent requests cannot both win;
/// a false/null result means "the condition failed". Implementations throw a
/// <see cref="DependencyException"/>: <see cref="FailureKind.Transient"/> when storage fails in a way a later
/// try can pass (throttling, 5xx, timeouts), <see cref="FailureKind.Configuration"/> when the deployment
/// is wrong (missing table, access denied); the caller's cancellation stays an
/// <see cref="OperationCanceledException"/>.
/// <para>
/// Every write is idempotent per the request's <see cref="IdempotencyToken"/> (its
/// <c>token</c> argument): sent again with the same token, whether the AWS SDK re-sends a write
/// whose response was lost after DynamoDB applied it or a caller tries again, it changes nothing
/// more and answers what the write that applied answered, not "the condition failed".
/// </para>
/// </summary>
public interface IOtpStore
{
    /// <summary>The address record alone, read consistently (generate).</summary>
    Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken);

    /// <summary>The address record and the newest code item, in one consistent read (verify).</summary>
    Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken);

    Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the address record by <paramref name="record"/> if its version is still
    /// <paramref name="expectedVersion"/> (the record's version becomes expectedVersion + 1 and
    /// its TTL <paramref name="recordKeepUntil"/>), and inserts the code, kept until
    /// <paramref name="codeKeepUntil"/>: all or nothing where the storage has transactions;
    /// elsewhere the record first, then the code, so a failure between them leaves a counted
    /// send whose code never verifies (fails safe). <see cref="IssueResult.Conflict"/> when the
    /// version moved on or the code's key is taken, unless by this issue's own earlier send with
    /// <paramref name="token"/> (then <see cref="IssueResult.Issued"/>).
    /// </summary>
    /// <param name="token">The generate request's <see cref="IdempotencyToken"/>.</param>
    Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one wrong guess by <paramref name="clientTag"/> at the address's newest code
    /// <paramref name="newest"/> (and one unforgiven failure at the address) if that code is still
    /// the newest, unused, unexpired at <paramref name="now"/>, the client has made fewer than
    /// <paramref name="maxPerClient"/> and all clients fewer than <paramref name="maxAllClients"/>
    /// (or the client is one of the record's <see cref="AddressState.Owners"/>, whom other
    /// clients' guesses do not block). Returns the client's new count, or null if the condition failed.
    /// A guess already counted with <paramref name="token"/> is not counted again and answers the
    /// client's count.
    /// </summary>
    /// <param name="token">The verify request's <see cref="IdempotencyToken"/>.</param>
    Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the newest code used under the same condition as a wrong guess, and replaces the
    /// record's <see cref="AddressState.Owners"/> by <paramref name="owners"/> (safe without a
    /// version check: only this write or a new issue, which fails the condition, changes them).
    /// True if this call did it, or an earlier send with the same <paramref name="token"/>.
    /// </summary>
    /// <param name="token">The verify request's <see cref="IdempotencyToken"/>.</param>
    Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken);

    /// <summary>
    /// Counts <paramref name="token"/> in <paramref name="counter"/> of the window record if the
    /// counter holds fewer than <paramref name="limit"/> tokens or already holds this one; with a
    /// <paramref name="member"/>, also adds it to the record's set if it is already there or the
    /// set has fewer than <paramref name="memberLimit"/> members. Creates the record, kept until
    /// <paramref name="keepUntil"/>. True if counted. Idempotent: the same token sent twice (an
    /// SDK retry after a lost response) counts once and answers true both times.
    /// </summary>
    /// <param name="token">This request's <see cref="IdempotencyToken"/>.</param>
    Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken);

    /// <summary>Takes <paramref name="token"/> back from a counter this window counted it in (a verification that succeeded after all); idempotent.</summary>
    Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the right to mail the code: succeeds if it was never mailed and no other claim is
    /// younger than <paramref name="leaseSeconds"/>. Returns the code, or null if the condition
    /// failed; the code also when the claim is this mailing's own (an earlier send with
    /// <paramref name="token"/>) and the code is still unmailed.
    /// </summary>
    /// <param name="token">This mailing attempt's <see cref="IdempotencyToken"/>.</param>
    Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken);

    /// <summary>
    /// Records, in one write, that the mail went out at <paramref name="now"/> and under which HMAC
    /// key version <paramref name="keyVersion"/> its code was derived, and drops the claim.
    /// </summary>
    Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken);

    /// <summary>Drops a claim after a failed send so a retry can claim again at once.</summary>
    Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// True when this store makes a <see cref="WindowCount"/> in the same all-or-nothing write as
    /// the address record's write (DynamoDB's TransactWriteItems), so the rules leave the count to
    /// the write instead of sending it on its own: one request fewer per generate and per verify.
    /// False: the rules count first, beside the read (the counted writes below still work, in two steps).
    /// </summary>
    bool CountsInTransactions => false;

    /// <summary>
    /// <see cref="TryIssueAsync"/> and <paramref name="count"/> together: all or nothing where the
    /// store has transactions. <see cref="IssueResult.WindowFull"/> when the window had no room
    /// (nothing written; it wins over a conflict).
    /// </summary>
    Task<IssueResult> TryIssueCountedAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, WindowCount count, CancellationToken cancellationToken) =>
        CountedWrites.IssueAsync(this, code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, count, cancellationToken);

    /// <summary>
    /// <see cref="TryRecordWrongGuessAsync"/> and <paramref name="count"/> (the client's failed
    /// verification) together: all or nothing where the store has transactions.
    /// <paramref name="seenGuesses"/> is the client's count as the caller read it (a store that
    /// cannot return the new count from its write uses it, and re-checks it when it moved).
    /// </summary>
    Task<GuessCount> TryRecordWrongGuessCountedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, int seenGuesses, string token, WindowCount count, CancellationToken cancellationToken) =>
        CountedWrites.RecordWrongGuessAsync(this, address, newest, clientTag, maxPerClient, maxAllClients, now, token, count, cancellationToken);

    /// <summary>
    /// <see cref="TryMarkUsedAsync"/> if the window of <paramref name="count"/> has room for it;
    /// nothing stays counted (a right code is no failure). <see cref="CountedWriteStatus.WindowFull"/>
    /// when it had none (the client is limited; nothing written).
    /// </summary>
    Task<CountedWriteStatus> TryMarkUsedCountedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, WindowCount count, CancellationToken cancellationToken) =>
        CountedWrites.MarkUsedAsync(this, address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, count, cancellationToken);
}
