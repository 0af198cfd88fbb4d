using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The store calls of each write flow. Where the store has transactions
/// (<see cref="IOtpStore.CountsInTransactions"/>) the client's count rides in the step's one write,
/// the reason for the fold: one request fewer per generate and per verify; where it has none, the
/// count is sent on its own beside the read, once. Each count is idempotent per token, so an extra
/// count changes no answer and no count: only the calls show it (survivors of the 2026-12-08
/// whole-layer mutation run: docs/mutation.md). The store records what the rules pass to the real
/// in-memory store.
/// </summary>
public sealed class WriteFlowCallsTests
{
    private const string Address = "calls@example.com";

    private static (RuleHarness H, RecordingStore Store) Harness(bool inTransactions)
    {
        var h = new RuleHarness();
        h.Store.IssueInOneTransaction = inTransactions;
        return (h, new RecordingStore(h.Store));
    }

    private static void AssertCalls(string expected, RecordingStore store) =>
        Assert.Equal(expected.Split(", ").Order(StringComparer.Ordinal), store.Calls.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData(false, "LoadAddress, Count Requests, Count Sends, Issue")]
    [InlineData(true, "LoadAddress, Count Sends, IssueCounted Requests")]
    public async Task Generate_Sent_CountsTheClientOnce_BesideTheReadOrInTheIssue(bool inTransactions, string calls)
    {
        var (h, store) = Harness(inTransactions);

        var outcome = await new OtpIssuer(store, h.Settings, h.Clock, h.Tagger).IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.Sent, outcome.Status);
        AssertCalls(calls, store);
    }

    [Theory]
    [InlineData(false, "LoadAddress, Count Requests, Count Sends, Uncount Sends")]
    [InlineData(true, "LoadAddress, Count Sends, Uncount Sends, Count Requests")]
    public async Task Generate_RefusedForTheCooldown_CountsTheClientOnce_BesideTheReadOrWithTheRefusal(bool inTransactions, string calls)
    {
        var (h, store) = Harness(inTransactions);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await new OtpIssuer(store, h.Settings, h.Clock, h.Tagger).IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.Cooldown, outcome.Status);
        AssertCalls(calls, store);
    }

    [Theory]
    [InlineData(false, "LoadNewest, Count Failures, WrongGuess")]
    [InlineData(true, "LoadNewest, WrongGuessCounted Failures")]
    public async Task Verify_AWrongCode_CountsTheFailureOnce_BesideTheReadOrInTheGuess(bool inTransactions, string calls)
    {
        var (h, store) = Harness(inTransactions);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await new OtpVerifier(store, h.Derivation, h.Settings, h.Clock, h.Tagger).VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.WrongCode, outcome.Status);
        AssertCalls(calls, store);
    }

    [Theory]
    [InlineData(false, "LoadNewest, Count Failures, MarkUsed, Uncount Failures")]
    [InlineData(true, "LoadNewest, MarkUsedCounted Failures")]
    public async Task Verify_ARightCode_CountsTheFailureOnce_BesideTheReadOrInTheMark(bool inTransactions, string calls)
    {
        var (h, store) = Harness(inTransactions);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await new OtpVerifier(store, h.Derivation, h.Settings, h.Clock, h.Tagger).VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.Verified, outcome.Status);
        AssertCalls(calls, store);
    }

    /// <summary>
    /// Passes every call to the in-memory store, its counted writes and its
    /// <see cref="IOtpStore.CountsInTransactions"/> too, and records the rules' calls (a counted
    /// write as one call, as it is one transaction in DynamoDB) with the counter each counts in.
    /// </summary>
    private sealed class RecordingStore(InMemoryOtpStore inner) : IOtpStore
    {
        private readonly Lock _gate = new();
        private readonly List<string> _calls = [];

        public IReadOnlyList<string> Calls
        {
            get
            {
                lock (_gate)
                {
                    return [.. _calls];
                }
            }
        }

        private IOtpStore Inner => inner;

        public bool CountsInTransactions => Inner.CountsInTransactions;

        public Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken)
        {
            Record("LoadAddress");
            return inner.LoadAddressAsync(address, cancellationToken);
        }

        public Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken)
        {
            Record("LoadNewest");
            return inner.LoadNewestAsync(address, cancellationToken);
        }

        public Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken)
        {
            Record("Get");
            return inner.GetAsync(address, expiresAt, cancellationToken);
        }

        public Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken)
        {
            Record("Issue");
            return inner.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
        }

        public Task<IssueResult> TryIssueCountedAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, WindowCount count, CancellationToken cancellationToken)
        {
            Record($"IssueCounted {count.Counter}");
            return Inner.TryIssueCountedAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, count, cancellationToken);
        }

        public Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken)
        {
            Record("WrongGuess");
            return inner.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken);
        }

        public Task<GuessCount> TryRecordWrongGuessCountedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, int seenGuesses, string token, WindowCount count, CancellationToken cancellationToken)
        {
            Record($"WrongGuessCounted {count.Counter}");
            return Inner.TryRecordWrongGuessCountedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, seenGuesses, token, count, cancellationToken);
        }

        public Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken)
        {
            Record("MarkUsed");
            return inner.TryMarkUsedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, cancellationToken);
        }

        public Task<CountedWriteStatus> TryMarkUsedCountedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, WindowCount count, CancellationToken cancellationToken)
        {
            Record($"MarkUsedCounted {count.Counter}");
            return Inner.TryMarkUsedCountedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, count, cancellationToken);
        }

        public Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken)
        {
            Record($"Count {counter}");
            return inner.TryCountAsync(window, counter, token, limit, member, memberLimit, keepUntil, cancellationToken);
        }

        public Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken)
        {
            Record($"Uncount {counter}");
            return inner.UncountAsync(window, counter, token, cancellationToken);
        }

        public Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken)
        {
            Record("ClaimMailing");
            return inner.TryClaimMailingAsync(address, expiresAt, now, leaseSeconds, token, cancellationToken);
        }

        public Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken)
        {
            Record("MarkMailed");
            return inner.MarkMailedAsync(address, expiresAt, now, keyVersion, cancellationToken);
        }

        public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken)
        {
            Record("ReleaseMailingClaim");
            return inner.ReleaseMailingClaimAsync(address, expiresAt, cancellationToken);
        }

        private void Record(string call)
        {
            lock (_gate)
            {
                _calls.Add(call);
            }
        }
    }
}
