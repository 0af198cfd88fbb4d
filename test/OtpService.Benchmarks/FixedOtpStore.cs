using OtpService.Core.Rules;

namespace OtpService.Benchmarks;

/// <summary>
/// The in-memory stand-in for the CPU/allocation figures: every call answers at once from
/// precomputed, already-completed tasks, so the figures count our handler code only (event
/// parsing, rules, HMAC, response, log line) and nothing of the stand-in. (The tests'
/// InMemoryOtpStore is a faithful store, but its locks and growing dictionaries would be
/// measured along with the handler.)
/// </summary>
internal sealed class FixedOtpStore(NewestCode newest) : IOtpStore
{
    private static readonly Task<IssueResult> Issued = Task.FromResult(IssueResult.Issued);
    private static readonly Task<int?> OneWrongGuess = Task.FromResult<int?>(1);
    private static readonly Task<bool> Done = Task.FromResult(true);
    private readonly Task<AddressState> _state = Task.FromResult(newest.State);
    private readonly Task<NewestCode> _newest = Task.FromResult(newest);
    private readonly Task<StoredCode?> _code = Task.FromResult(newest.Code);

    public Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken) => _state;

    public Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken) => _newest;

    public Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken) => _code;

    public Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken) => Issued;

    public Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken) => OneWrongGuess;

    public Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken) => Done;

    public Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken) => Done;

    public Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken) => _code;

    public Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) => Task.CompletedTask;
}
