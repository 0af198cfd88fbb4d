using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// Verify's writes after a right code: the mark and the give-back of the client's failure count
/// are both awaited before the answer, so neither is left running when Lambda freezes the process
/// and neither's failure goes unseen. A store that fails one call of several is a fault the
/// in-memory store cannot make on its own; the delegating store injects it and says so.
/// </summary>
public class OtpVerifierWritesTests
{
    private const string Address = "user@example.com";

    [Fact]
    public async Task ARightCode_WhoseFailureCountCannotBeGivenBack_ReportsTheStoreFailure_NotASilentSuccess()
    {
        var h = new RuleHarness();
        var store = new FailingGiveBackStore(h.Store);
        var verifier = new OtpVerifier(store, h.Derivation, h.Settings, h.Clock, h.Tagger);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var failure = await Assert.ThrowsAsync<DependencyException>(() => verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default));

        Assert.Same(store.Failure, failure);
        Assert.Equal(1, store.GiveBacks);
    }

    [Fact]
    public async Task ARightCode_GivesBackTheFailureCount_BeforeItAnswers()
    {
        var h = new RuleHarness();
        var store = new CountingGiveBack(h.Store);
        var verifier = new OtpVerifier(store, h.Derivation, h.Settings, h.Clock, h.Tagger);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.Verified, outcome.Status);
        Assert.Equal(1, store.GiveBacksFinished);
        Assert.Equal(0, h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), WindowCounter.Failures));
    }

    /// <summary>Gives back a window count after yielding, as a real network call does, and counts the ones that finished.</summary>
    private sealed class CountingGiveBack(IOtpStore inner) : DelegatingStore(inner)
    {
        private int _finished;

        public int GiveBacksFinished => Volatile.Read(ref _finished);

        public override async Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken)
        {
            await Task.Yield();
            await base.UncountAsync(window, counter, token, cancellationToken);
            Interlocked.Increment(ref _finished);
        }
    }
}
