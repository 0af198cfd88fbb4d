namespace OtpService.Core.Ports;

/// <summary>One issued code as stored. Holds a nonce, never the code.</summary>
public sealed record StoredCode(
    string Address,
    long ExpiresAt,
    long CreatedAt,
    byte[] Nonce,
    int Digits,
    int Attempts = 0,
    long? UsedAt = null,
    long? MailedAt = null);

/// <summary>What the rules need to know about an address: its recent codes (newest first) and the version of its address record.</summary>
public sealed record AddressHistory(IReadOnlyList<StoredCode> Codes, long Version)
{
    public static readonly AddressHistory Empty = new([], 0);
    public StoredCode? Newest => Codes.Count > 0 ? Codes[0] : null;
}

public enum IssueResult
{
    Issued,
    /// <summary>Another request changed the address first; re-read and decide again.</summary>
    Conflict,
}

/// <summary>
/// Storage port for the OTP rules. Every state change is a single conditional write, so
/// concurrent requests cannot both win; a false/null result means "the condition failed,
/// re-read". Implementations throw <see cref="StoreUnavailableException"/> when storage fails.
/// </summary>
public interface IOtpStore
{
    /// <summary>Codes of the address that expire at or after <paramref name="expiringSince"/>, newest first, read consistently.</summary>
    Task<AddressHistory> LoadAsync(string address, long expiringSince, CancellationToken cancellationToken);

    Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken);

    /// <summary>Claims the next version of the address record, then inserts the code. <paramref name="keepUntil"/> is the TTL of both.</summary>
    Task<IssueResult> TryIssueAsync(StoredCode code, long expectedVersion, long keepUntil, CancellationToken cancellationToken);

    /// <summary>Counts one wrong guess if the code is unused, not expired at <paramref name="now"/>, and has fewer than <paramref name="maxAttempts"/>. Returns the new count, or null if the condition failed.</summary>
    Task<int?> TryRecordWrongGuessAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken);

    /// <summary>Marks the code used if it is unused, not expired at <paramref name="now"/>, and under the attempt limit. True if this call did it.</summary>
    Task<bool> TryMarkUsedAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken);

    /// <summary>Records that the code's mail went out, once. True if this call recorded it.</summary>
    Task<bool> TryMarkMailedAsync(string address, long expiresAt, long now, CancellationToken cancellationToken);
}

/// <summary>Storage could not be reached or refused the call; the request may be retried later.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
