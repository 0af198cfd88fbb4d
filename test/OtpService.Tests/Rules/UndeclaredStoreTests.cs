using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// A store that says nothing about transactions (an adapter written against <see cref="IOtpStore"/>'s
/// required members only) is taken to have none: the rules count before each write, and the
/// interface's counted writes (<see cref="CountedWrites"/>) still work if called.
/// </summary>
public sealed class UndeclaredStoreTests
{
    private const string Address = "undeclared@example.com";

    [Fact]
    public void AStoreThatDoesNotSay_CountsOutsideTransactions() =>
        Assert.False(((IOtpStore)new UndeclaredStore(new InMemoryOtpStore())).CountsInTransactions);

    [Fact]
    public async Task TheRules_IssueAndVerify_ThroughAStoreThatDoesNotSay()
    {
        var h = new RuleHarness();
        var store = new UndeclaredStore(h.Store);
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);
        var verifier = new OtpVerifier(store, h.Derivation, h.Settings, h.Clock, h.Tagger);

        Assert.Equal(GenerateStatus.Sent, (await issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        var code = h.CurrentCode(Address);
        Assert.Equal(VerifyStatus.WrongCode, (await verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
        Assert.Equal(1, h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), WindowCounter.Failures));
    }

    /// <summary>Every required member forwarded; nothing the interface gives a default for.</summary>
    private sealed class UndeclaredStore(InMemoryOtpStore inner) : IOtpStore
    {
        public Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken) => inner.LoadAddressAsync(address, cancellationToken);

        public Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken) => inner.LoadNewestAsync(address, cancellationToken);

        public Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken) => inner.GetAsync(address, expiresAt, cancellationToken);

        public Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken) =>
            inner.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);

        public Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken) =>
            inner.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken);

        public Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken) =>
            inner.TryMarkUsedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, cancellationToken);

        public Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken) =>
            inner.TryCountAsync(window, counter, token, limit, member, memberLimit, keepUntil, cancellationToken);

        public Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken) => inner.UncountAsync(window, counter, token, cancellationToken);

        public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken) =>
            inner.TryClaimMailingAsync(address, expiresAt, now, leaseSeconds, token, cancellationToken);

        public Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken) => inner.MarkMailedAsync(address, expiresAt, now, keyVersion, cancellationToken);

        public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) => inner.ReleaseMailingClaimAsync(address, expiresAt, cancellationToken);
    }
}
