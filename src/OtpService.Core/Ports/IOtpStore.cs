namespace OtpService.Core.Ports;

/// <summary>
/// Storage port for the OTP rules. Every state change is one conditional write, so concurrent
/// requests cannot both win; a false/null result means "the condition failed, re-read".
/// Implementations throw <see cref="StoreUnavailableException"/> when storage fails in a way a later
/// try can pass (throttling, 5xx, timeouts) and <see cref="StoreConfigurationException"/> when the
/// deployment is wrong (missing table, access denied); the caller's cancellation stays an
/// <see cref="OperationCanceledException"/>.
/// </summary>
public interface IOtpStore
{
    /// <summary>The address record and the codes expiring at or after <paramref name="expiringSince"/>, newest first, read consistently.</summary>
    Task<AddressHistory> LoadAsync(string address, long expiringSince, CancellationToken cancellationToken);

    Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the address record from <paramref name="expectedVersion"/> to the next version with
    /// <paramref name="sentAt"/> as its send times, then inserts the code. Both are kept until
    /// <paramref name="keepUntil"/> (the table's TTL attribute).
    /// </summary>
    Task<IssueResult> TryIssueAsync(StoredCode code, long expectedVersion, IReadOnlyList<long> sentAt, long keepUntil, CancellationToken cancellationToken);

    /// <summary>Counts one wrong guess if the code is unused, unexpired at <paramref name="now"/> and below <paramref name="maxAttempts"/>. Returns the new count, or null if the condition failed.</summary>
    Task<int?> TryRecordWrongGuessAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken);

    /// <summary>Marks the code used if it is unused, unexpired at <paramref name="now"/> and below the attempt limit. True if this call did it.</summary>
    Task<bool> TryMarkUsedAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the right to mail the code: succeeds if it was never mailed and no other claim is
    /// younger than <paramref name="leaseSeconds"/>. Returns the code, or null if the condition failed.
    /// </summary>
    Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, CancellationToken cancellationToken);

    /// <summary>Records that the mail went out and drops the claim.</summary>
    Task MarkMailedAsync(string address, long expiresAt, long now, CancellationToken cancellationToken);

    /// <summary>Drops a claim after a failed send so a retry can claim again at once.</summary>
    Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken);
}
