using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The interface's counted writes (<see cref="CountedWrites"/>), which a store without
/// transactions keeps and the in-memory store uses: called on the store as the folded flow calls
/// them. Survivors of the 2026-12-08 whole-layer mutation run (docs/mutation.md).
/// </summary>
public sealed class CountedWritesTests
{
    private const string Address = "counted@example.com";
    private static readonly Dictionary<string, long> Owners = [];

    /// <summary>A verification's failure count, as the verifier makes it.</summary>
    private static WindowCount Failure(RuleHarness h, string client, string token)
    {
        var window = AbuseLimits.ClientWindow(client, h.Now);
        return new(window, WindowCounter.Failures, token, 10, null, 0, AbuseLimits.WindowKeepUntil(window));
    }

    private static async Task<long> Issued(RuleHarness h)
    {
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        return h.Store.Record(Address).Newest!.Value;
    }

    [Fact]
    public async Task MarkUsed_WhoseMarkLosesToAnEarlierUse_IsAConflict_AndLeavesNothingCounted()
    {
        var h = new RuleHarness();
        IOtpStore store = h.Store;
        var newest = await Issued(h);
        // Another verification used the code between our read and our write.
        var winner = IdempotencyToken.New();
        Assert.Equal(CountedWriteStatus.Applied, await store.TryMarkUsedCountedAsync(Address, newest, "cWINNER", 5, 15, h.Now, Owners, winner, Failure(h, "cWINNER", winner), default));
        var token = IdempotencyToken.New();

        var status = await store.TryMarkUsedCountedAsync(Address, newest, "cLOSER", 5, 15, h.Now, Owners, token, Failure(h, "cLOSER", token), default);

        // Not Applied: the rule would answer Verified for a code someone else used.
        Assert.Equal(CountedWriteStatus.Conflict, status);
        Assert.Equal(0, h.Store.Count(AbuseLimits.ClientWindow("cLOSER", h.Now), WindowCounter.Failures));
    }

    [Fact]
    public async Task MarkUsed_WhoseCountCannotBeGivenBack_ReportsTheStoreFailure_NotASilentSuccess()
    {
        var h = new RuleHarness();
        var store = new FailingGiveBackStore(h.Store);
        var newest = await Issued(h);
        var token = IdempotencyToken.New();

        var failure = await Assert.ThrowsAsync<DependencyException>(() =>
            ((IOtpStore)store).TryMarkUsedCountedAsync(Address, newest, "cLOSER", 5, 15, h.Now, Owners, token, Failure(h, "cLOSER", token), default));

        Assert.Same(store.Failure, failure);
        Assert.Equal(1, store.GiveBacks);
    }
}
