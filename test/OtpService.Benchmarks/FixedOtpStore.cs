using OtpService.Core.Ports;

namespace OtpService.Benchmarks;

/// <summary>
/// The in-memory stand-in for the CPU/allocation figures: every call answers at once from
/// precomputed, already-completed tasks, so the figures count our handler code only (event
/// parsing, rules, HMAC, response, log line) and nothing of the stand-in. (The tests'
/// InMemoryOtpStore is a faithful store, but its LINQ scans and growing dictionaries would be
/// measured along with the handler.)
/// </summary>
internal sealed class FixedOtpStore(AddressHistory history) : IOtpStore
{
    private static readonly Task<IssueResult> Issued = Task.FromResult(IssueResult.Issued);
    private static readonly Task<int?> OneWrongGuess = Task.FromResult<int?>(1);
    private static readonly Task<bool> Done = Task.FromResult(true);
    private readonly Task<AddressHistory> _history = Task.FromResult(history);
    private readonly Task<StoredCode?> _newest = Task.FromResult(history.Newest);

    public Task<AddressHistory> LoadAsync(string address, long expiringSince, CancellationToken cancellationToken) => _history;

    public Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken) => _newest;

    public Task<IssueResult> TryIssueAsync(StoredCode code, long expectedVersion, IReadOnlyList<long> sentAt, long keepUntil, CancellationToken cancellationToken) => Issued;

    public Task<int?> TryRecordWrongGuessAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken) => OneWrongGuess;

    public Task<bool> TryMarkUsedAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken) => Done;

    public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, CancellationToken cancellationToken) => _newest;

    public Task MarkMailedAsync(string address, long expiresAt, long now, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) => Task.CompletedTask;
}
