using OtpService.Core.Ports;

namespace OtpService.Tests.Support;

/// <summary>
/// An <see cref="IOtpStore"/> in memory with the same conditional-write semantics as the
/// DynamoDB store, for rule tests. The DynamoDB store itself is tested against dynalite.
/// </summary>
public sealed class InMemoryOtpStore : IOtpStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Address, long ExpiresAt), Entry> _codes = [];
    private readonly Dictionary<string, (long Version, List<long> SentAt)> _records = [];

    /// <summary>Set to make every call fail as DynamoDB would when unreachable.</summary>
    public bool Unavailable
    {
        get => FailEveryCallWith is StoreUnavailableException;
        set => FailEveryCallWith = value ? new StoreUnavailableException("in-memory store set unavailable") : null;
    }

    /// <summary>Set to make every call fail with this (a configuration error, say), until set back to null.</summary>
    public StoreException? FailEveryCallWith { get; set; }

    /// <summary>Set to make only <see cref="MarkMailedAsync"/> fail with this (after a mail went out).</summary>
    public StoreException? FailMarkMailedWith { get; set; }

    public IReadOnlyList<StoredCode> Codes(string address)
    {
        lock (_gate)
        {
            return _codes.Values.Where(e => e.Code.Address == address).Select(e => e.Code).OrderByDescending(c => c.ExpiresAt).ToList();
        }
    }

    public Task<AddressHistory> LoadAsync(string address, long expiringSince, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            var codes = _codes.Values.Select(e => e.Code)
                .Where(c => c.Address == address && c.ExpiresAt >= expiringSince)
                .OrderByDescending(c => c.ExpiresAt)
                .ToList();
            var record = _records.GetValueOrDefault(address, (0, []));
            return Task.FromResult(new AddressHistory(codes, record.SentAt.ToList(), record.Version));
        }
    }

    public Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            return Task.FromResult(_codes.TryGetValue((address, expiresAt), out var entry) ? entry.Code : null);
        }
    }

    public Task<IssueResult> TryIssueAsync(StoredCode code, long expectedVersion, IReadOnlyList<long> sentAt, long keepUntil, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            var current = _records.GetValueOrDefault(code.Address, (0, []));
            if (current.Version != expectedVersion || _codes.ContainsKey((code.Address, code.ExpiresAt)))
            {
                return Task.FromResult(IssueResult.Conflict);
            }

            _records[code.Address] = (expectedVersion + 1, sentAt.ToList());
            _codes[(code.Address, code.ExpiresAt)] = new Entry(code);
            return Task.FromResult(IssueResult.Issued);
        }
    }

    public Task<int?> TryRecordWrongGuessAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken) =>
        Update(address, expiresAt, e => Usable(e.Code, maxAttempts, now), e => e with { Code = e.Code with { Attempts = e.Code.Attempts + 1 } }, e => (int?)e.Code.Attempts);

    public async Task<bool> TryMarkUsedAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken) =>
        await Update(address, expiresAt, e => Usable(e.Code, maxAttempts, now), e => e with { Code = e.Code with { UsedAt = now } }, _ => (bool?)true) ?? false;

    public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, CancellationToken cancellationToken) =>
        Update(address, expiresAt, e => e.Code.MailedAt is null && (e.ClaimedAt is null || e.ClaimedAt <= now - leaseSeconds), e => e with { ClaimedAt = now }, e => e.Code);

    public Task MarkMailedAsync(string address, long expiresAt, long now, CancellationToken cancellationToken) =>
        FailMarkMailedWith is { } failure ? Task.FromException(failure) : Update(address, expiresAt, _ => true, e => new Entry(e.Code with { MailedAt = now }), e => e.Code);

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) =>
        Update(address, expiresAt, _ => true, e => e with { ClaimedAt = null }, e => e.Code);

    private static bool Usable(StoredCode code, int maxAttempts, long now) =>
        code.UsedAt is null && code.Attempts < maxAttempts && code.ExpiresAt >= now;

    private Task<T?> Update<T>(string address, long expiresAt, Func<Entry, bool> condition, Func<Entry, Entry> change, Func<Entry, T?> result)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            if (!_codes.TryGetValue((address, expiresAt), out var entry) || !condition(entry))
            {
                return Task.FromResult<T?>(default);
            }

            var updated = change(entry);
            _codes[(address, expiresAt)] = updated;
            return Task.FromResult(result(updated));
        }
    }

    private void ThrowIfUnavailable()
    {
        if (FailEveryCallWith is { } failure)
        {
            throw failure;
        }
    }

    private sealed record Entry(StoredCode Code, long? ClaimedAt = null);
}
