using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>Passes every call to another store; tests override one call to inject a race or a fault at an exact point.</summary>
public abstract class DelegatingStore(IOtpStore inner) : IOtpStore
{
    public virtual Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken) => inner.LoadAddressAsync(address, cancellationToken);

    public virtual Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken) => inner.LoadNewestAsync(address, cancellationToken);

    public virtual Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken) => inner.GetAsync(address, expiresAt, cancellationToken);

    public virtual Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken) =>
        inner.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);

    public virtual Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken) =>
        inner.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken);

    public virtual Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken) =>
        inner.TryMarkUsedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, cancellationToken);

    public virtual Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken) =>
        inner.TryCountAsync(window, counter, token, limit, member, memberLimit, keepUntil, cancellationToken);

    public virtual Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken) => inner.UncountAsync(window, counter, token, cancellationToken);

    public virtual Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken) =>
        inner.TryClaimMailingAsync(address, expiresAt, now, leaseSeconds, token, cancellationToken);

    public virtual Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken) => inner.MarkMailedAsync(address, expiresAt, now, keyVersion, cancellationToken);

    public virtual Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) => inner.ReleaseMailingClaimAsync(address, expiresAt, cancellationToken);
}
