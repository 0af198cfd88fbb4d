using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>
/// A store whose every call hangs: until cancelled, or (with <c>ignoreCancellation</c>) for ever.
/// A fake on purpose: it injects a hang into the rules' port, to test the handler's own deadline
/// apart from the clients' timeouts (the real hanging endpoint is in Integration/HangingEndpointTests).
/// </summary>
public sealed class HangingOtpStore(bool ignoreCancellation = false, Action? whileHanging = null) : IOtpStore
{
    private int _calls;

    /// <summary>How many calls have started (and hang).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken) => Hang<AddressState>(cancellationToken);

    public Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken) => Hang<NewestCode>(cancellationToken);

    public Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken) => Hang<StoredCode?>(cancellationToken);

    public Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken) =>
        Hang<IssueResult>(cancellationToken);

    public Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken) =>
        Hang<int?>(cancellationToken);

    public Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken) =>
        Hang<bool>(cancellationToken);

    public Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken) =>
        Hang<bool>(cancellationToken);

    public Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken) => Hang<bool>(cancellationToken);

    public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken) =>
        Hang<StoredCode?>(cancellationToken);

    public Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken) => Hang<bool>(cancellationToken);

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) => Hang<bool>(cancellationToken);

    private async Task<T> Hang<T>(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        // The function's one clock: with a fake clock, time passes only when the test moves it.
        whileHanging?.Invoke();
        await Task.Delay(Timeout.Infinite, ignoreCancellation ? CancellationToken.None : cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
