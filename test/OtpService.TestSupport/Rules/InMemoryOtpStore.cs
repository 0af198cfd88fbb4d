using System.Collections.Immutable;
using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>
/// An <see cref="IOtpStore"/> in memory with the same conditional-write semantics as the
/// DynamoDB store, for rule tests and the abuse simulation: each method is one atomic step.
/// Issuing is two steps (record, then code) that another caller can fall between, as the
/// DynamoDB store does where the endpoint has no transactions (dynalite), or one atomic step with
/// <see cref="IssueInOneTransaction"/>, as it does in AWS (TransactWriteItems). The DynamoDB store
/// itself is tested against dynalite (two writes) and moto (one transaction). Every write is
/// idempotent per token as there: the address record and each code keep the tokens of the writes
/// applied to them (WRITE_TOKENS), and a write refused by its condition whose token is kept
/// answers as the write that applied (what the DynamoDB store reads back after an SDK retry).
/// </summary>
public sealed class InMemoryOtpStore : IOtpStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Address, long ExpiresAt), Entry> _codes;
    private readonly Dictionary<string, AddressState> _records;
    private readonly Dictionary<WindowKey, Window> _windows;

    // The address record's WRITE_TOKENS: the newest code's issue, wrong guesses and use.
    private readonly Dictionary<string, ImmutableHashSet<string>> _written;

    public InMemoryOtpStore()
        : this([], [], [], [])
    {
    }

    private InMemoryOtpStore(Dictionary<(string, long), Entry> codes, Dictionary<string, AddressState> records, Dictionary<WindowKey, Window> windows, Dictionary<string, ImmutableHashSet<string>> written)
    {
        _codes = codes;
        _records = records;
        _windows = windows;
        _written = written;
    }

    /// <summary>Set to make every call fail as DynamoDB would when unreachable.</summary>
    public bool Unavailable
    {
        get => FailEveryCallWith is { Service: Dependency.DynamoDB, IsTransient: true };
        set => FailEveryCallWith = value ? new DependencyException(Dependency.DynamoDB, FailureKind.Transient, "ServiceUnavailable", "in-memory store set unavailable") : null;
    }

    /// <summary>Set to make every call fail with this (a configuration error, say), until set back to null.</summary>
    public DependencyException? FailEveryCallWith { get; set; }

    /// <summary>Set to make only <see cref="MarkMailedAsync"/> fail with this (after a mail went out).</summary>
    public DependencyException? FailMarkMailedWith { get; set; }

    /// <summary>
    /// True (the default): an issue's two writes let other callers run between them, as DynamoDB
    /// does. The single-threaded abuse simulation turns it off (nothing runs in between there).
    /// </summary>
    public bool InterleaveIssueWrites { get; set; } = true;

    /// <summary>
    /// Set to make the code write of the next issue fail: after its record write succeeded (a
    /// crash between the two writes), or, with <see cref="IssueInOneTransaction"/>, the whole
    /// transaction (nothing written).
    /// </summary>
    public bool FailNextCodeInsert { get; set; }

    /// <summary>True: an issue writes the record and the code all or nothing, as TransactWriteItems does (AWS, moto).</summary>
    public bool IssueInOneTransaction { get; set; }

    /// <summary>
    /// As DynamoDB's store where it has transactions: the rules leave the client's counts to the
    /// record writes (made here by <see cref="CountedWrites"/>: the count, then the write).
    /// </summary>
    public bool CountsInTransactions => IssueInOneTransaction;

    /// <summary>A copy that evolves on its own (the simulation tries "what if the owner signed in now" on one).</summary>
    public InMemoryOtpStore Clone()
    {
        lock (_gate)
        {
            return new InMemoryOtpStore(
                new Dictionary<(string, long), Entry>(_codes),
                new Dictionary<string, AddressState>(_records, StringComparer.Ordinal),
                _windows.ToDictionary(w => w.Key, w => w.Value with { Tokens = w.Value.Tokens.ToDictionary(t => t.Key, t => new HashSet<string>(t.Value, StringComparer.Ordinal)), Members = [.. w.Value.Members] }),
                new Dictionary<string, ImmutableHashSet<string>>(_written, StringComparer.Ordinal))
            {
                InterleaveIssueWrites = InterleaveIssueWrites,
                IssueInOneTransaction = IssueInOneTransaction,
            };
        }
    }

    /// <summary>Drops what DynamoDB's TTL would have deleted by <paramref name="now"/> (keeps long simulations small).</summary>
    public void Expire(long now)
    {
        lock (_gate)
        {
            foreach (var key in _codes.Where(c => c.Value.KeepUntil < now).Select(c => c.Key).ToList())
            {
                _codes.Remove(key);
            }

            foreach (var key in _windows.Where(w => w.Value.KeepUntil < now).Select(w => w.Key).ToList())
            {
                _windows.Remove(key);
            }
        }
    }

    public IReadOnlyList<StoredCode> Codes(string address)
    {
        lock (_gate)
        {
            return _codes.Values.Where(e => e.Code.Address == address).Select(e => e.Code).OrderByDescending(c => c.ExpiresAt).ToList();
        }
    }

    /// <summary>How many codes the store holds, for every address.</summary>
    public int CodeCount
    {
        get
        {
            lock (_gate)
            {
                return _codes.Count;
            }
        }
    }

    public AddressState Record(string address)
    {
        lock (_gate)
        {
            return _records.GetValueOrDefault(address, AddressState.Empty);
        }
    }

    /// <summary>A window's count (0 when the record does not exist).</summary>
    public int Count(WindowKey window, WindowCounter counter)
    {
        lock (_gate)
        {
            return _windows.TryGetValue(window, out var w) ? w.Tokens.GetValueOrDefault(counter)?.Count ?? 0 : 0;
        }
    }

    public Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            return Task.FromResult(_records.GetValueOrDefault(address, AddressState.Empty));
        }
    }

    public Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            var code = _codes.Values.Select(e => e.Code).Where(c => c.Address == address).MaxBy(c => c.ExpiresAt);
            return Task.FromResult(new NewestCode(_records.GetValueOrDefault(address, AddressState.Empty), code));
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

    public async Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken)
    {
        if (IssueInOneTransaction)
        {
            return IssueAtomically(code, record, expectedVersion, codeKeepUntil, token);
        }

        lock (_gate)
        {
            ThrowIfUnavailable();
            if (_records.GetValueOrDefault(code.Address, AddressState.Empty).Version != expectedVersion)
            {
                // Refused; its own earlier send (the token kept) goes on to the code, as in DynamoDB.
                if (!WrittenWith(code.Address, token))
                {
                    return IssueResult.Conflict;
                }
            }
            else
            {
                _records[code.Address] = record with { Version = expectedVersion + 1, UsedAt = null };
                _written[code.Address] = [token];
            }
        }

        // DynamoDB's issue is two requests: let others run between them.
        if (InterleaveIssueWrites)
        {
            await Task.Yield();
        }

        lock (_gate)
        {
            ThrowIfUnavailable();
            if (FailNextCodeInsert)
            {
                FailNextCodeInsert = false;
                throw new DependencyException(Dependency.DynamoDB, FailureKind.Transient, "ServiceUnavailable", "in-memory store failed the code write on purpose");
            }

            if (_codes.TryGetValue((code.Address, code.ExpiresAt), out var taken))
            {
                return taken.Written.Contains(token) ? IssueResult.Issued : IssueResult.Conflict;
            }

            _codes[(code.Address, code.ExpiresAt)] = new Entry(code, codeKeepUntil, [token]);
            return IssueResult.Issued;
        }
    }

    /// <summary>TransactWriteItems' semantics: both conditions hold and both writes apply, or nothing changes.</summary>
    private IssueResult IssueAtomically(StoredCode code, AddressState record, long expectedVersion, long codeKeepUntil, string token)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            if (FailNextCodeInsert)
            {
                FailNextCodeInsert = false;
                throw new DependencyException(Dependency.DynamoDB, FailureKind.Transient, "ServiceUnavailable", "in-memory store failed the issue transaction on purpose");
            }

            if (_records.GetValueOrDefault(code.Address, AddressState.Empty).Version != expectedVersion
                || _codes.ContainsKey((code.Address, code.ExpiresAt)))
            {
                // All or nothing: the record keeping the token means this transaction applied.
                return WrittenWith(code.Address, token) ? IssueResult.Issued : IssueResult.Conflict;
            }

            _records[code.Address] = record with { Version = expectedVersion + 1, UsedAt = null };
            _written[code.Address] = [token];
            _codes[(code.Address, code.ExpiresAt)] = new Entry(code, codeKeepUntil, [token]);
            return IssueResult.Issued;
        }
    }

    public Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            // A guess already counted with this token is refused (NOT contains) and read back.
            if (WrittenWith(address, token))
            {
                return Task.FromResult<int?>(_records[address].GuessesBy(clientTag));
            }

            if (!Judgeable(address, newest, clientTag, maxPerClient, maxAllClients, now, out var state))
            {
                return Task.FromResult<int?>(null);
            }

            var guesses = new Dictionary<string, int>(state.Guesses, StringComparer.Ordinal) { [clientTag] = state.GuessesBy(clientTag) + 1 };
            _records[address] = state with
            {
                Guesses = guesses,
                Attempts = state.Attempts + 1,
                Failures = state.Failures + 1,
                Version = state.Version + 1,
            };
            _written[address] = _written.GetValueOrDefault(address, []).Add(token);
            return Task.FromResult<int?>(guesses[clientTag]);
        }
    }

    public Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            if (!Judgeable(address, newest, clientTag, maxPerClient, maxAllClients, now, out var state))
            {
                return Task.FromResult(WrittenWith(address, token));
            }

            _records[address] = state with { UsedAt = now, Version = state.Version + 1, Owners = new Dictionary<string, long>(owners, StringComparer.Ordinal) };
            _written[address] = _written.GetValueOrDefault(address, []).Add(token);
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            var current = _windows.GetValueOrDefault(window) ?? new Window([], [], keepUntil);
            var tokens = current.Tokens.GetValueOrDefault(counter) ?? [];
            if ((tokens.Count >= limit && !tokens.Contains(token))
                || (member is not null && !current.Members.Contains(member) && current.Members.Count >= memberLimit))
            {
                return Task.FromResult(false);
            }

            var counts = new Dictionary<WindowCounter, HashSet<string>>(current.Tokens) { [counter] = new HashSet<string>(tokens, StringComparer.Ordinal) { token } };
            var members = new HashSet<string>(current.Members, StringComparer.Ordinal);
            if (member is not null)
            {
                members.Add(member);
            }

            _windows[window] = new Window(counts, members, keepUntil);
            return Task.FromResult(true);
        }
    }

    public Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            if (_windows.TryGetValue(window, out var current) && current.Tokens.GetValueOrDefault(counter) is { } tokens && tokens.Contains(token))
            {
                var counts = new Dictionary<WindowCounter, HashSet<string>>(current.Tokens) { [counter] = new HashSet<string>(tokens.Where(t => t != token), StringComparer.Ordinal) };
                _windows[window] = current with { Tokens = counts };
            }

            return Task.CompletedTask;
        }
    }

    public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnavailable();
            if (!_codes.TryGetValue((address, expiresAt), out var entry))
            {
                return Task.FromResult<StoredCode?>(null);
            }

            if (entry.Code.MailedAt is not null || (entry.ClaimedAt is not null && entry.ClaimedAt > now - leaseSeconds))
            {
                // Refused; still ours when this claim's own earlier send holds it.
                return Task.FromResult(entry.Written.Contains(token) && entry.Code.MailedAt is null ? entry.Code : null);
            }

            _codes[(address, expiresAt)] = entry with { ClaimedAt = now, Written = entry.Written.Add(token) };
            return Task.FromResult<StoredCode?>(entry.Code);
        }
    }

    public Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken) =>
        FailMarkMailedWith is { } failure
            ? Task.FromException(failure)
            : Update(address, expiresAt, _ => true, e => e with { Code = e.Code with { MailedAt = now, KeyVersion = keyVersion }, ClaimedAt = null }, e => e.Code);

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) =>
        Update(address, expiresAt, _ => true, e => e with { ClaimedAt = null }, e => e.Code);

    /// <summary>Whether a write with <paramref name="token"/> applied to the address record since its newest code was issued.</summary>
    private bool WrittenWith(string address, string token) => _written.TryGetValue(address, out var written) && written.Contains(token);

    /// <summary>The DynamoDB store's condition for judging the newest code, read under the lock.</summary>
    private bool Judgeable(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, out AddressState state)
    {
        state = _records.GetValueOrDefault(address, AddressState.Empty);
        return state.Newest == newest && newest >= now && state.UsedAt is null
            && (state.Attempts < maxAllClients || state.Owners.ContainsKey(clientTag)) && state.GuessesBy(clientTag) < maxPerClient;
    }

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

    /// <param name="Written">The code item's WRITE_TOKENS: its issue and its mailing claims.</param>
    private sealed record Entry(StoredCode Code, long KeepUntil, ImmutableHashSet<string> Written, long? ClaimedAt = null);

    private sealed record Window(Dictionary<WindowCounter, HashSet<string>> Tokens, HashSet<string> Members, long KeepUntil);
}
