using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The issue rounds of one generate: each is a write of its own with its own idempotency token;
/// a round lost to another write reads the record again and answers from it; the rounds are
/// bounded. The races are set at exact points by a store that passes every call on and runs the
/// racing request (real rule calls on the same in-memory store) just before our write.
/// </summary>
public class OtpIssuerRoundsTests
{
    private const string Address = "rounds@example.com";

    [Fact]
    public async Task Issue_ALaterRoundRefusedByARace_IsNotTakenForTheEarlierRoundsWrite()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 0 });
        var issuer = new OtpIssuer(new EarlierRoundAppliedStore(h), h.Settings, h.Clock, h.Tagger);

        var outcome = await issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.Sent, outcome.Status);
        // The record's newest code is the one the answer's verification id belongs to.
        var newest = await h.Store.LoadNewestAsync(Address, default);
        Assert.Equal(newest.State.Newest, newest.Code!.ExpiresAt);
        Assert.True(VerificationId.Belongs(outcome.VerificationId!, newest.Code.VerificationIdHash));
    }

    [Fact]
    public async Task Issue_TheLastRoundRefusedByARace_IsNotTakenForTheSecondRoundsWrite()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 0 });
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
        var issuer = new OtpIssuer(new EarlierRoundAppliedStore(h, appliedRound: 1), h.Settings, h.Clock, h.Tagger);

        var outcome = await issuer.IssueAsync(Address, RuleHarness.Client, default);

        // The third round's token is its own too: its refused write is not the second round's, so
        // no code is written past the record's newest and the rounds give up.
        Assert.Equal(new GenerateOutcome(GenerateStatus.Cooldown, RetryAfterSeconds: 1), outcome);
        Assert.Equal(2, h.Store.Codes(Address).Count);
        Assert.Equal(h.Store.Record(Address).Newest, h.Store.Codes(Address)[0].ExpiresAt);
    }

    [Fact]
    public async Task Issue_Uncontested_ReadsTheRecordOnce_AndWritesOnce()
    {
        var h = new RuleHarness();
        var store = new RacedStore(h.Store, _ => Task.CompletedTask);
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);

        Assert.Equal(GenerateStatus.Sent, (await issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);

        Assert.Equal((1, 1, 0), (store.Loads, store.Issues, store.Uncounts));
    }

    [Fact]
    public async Task Issue_WhenARequestThatStartedEarlierIssuesBetweenOurReadAndWrite_IsRefusedWithTheCooldownItLeft_AndGivesBackTheBudget()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 30 });
        h.Advance(30);
        // The racing request read its clock 10 s before ours (it was slow to reach the store).
        var racer = new OtpIssuer(h.Store, h.Settings, new FakeTimeProvider(h.Clock.GetUtcNow().AddSeconds(-10)), h.Tagger);
        var store = new RacedStore(h.Store, async round =>
        {
            if (round == 0)
            {
                Assert.Equal(GenerateStatus.Sent, (await racer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
            }
        });
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);

        var outcome = await issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Cooldown, RetryAfterSeconds: 20), outcome);
        // One write lost, then the record read again decided: no second write.
        Assert.Equal((2, 1), (store.Loads, store.Issues));
        var code = Assert.Single(h.Store.Codes(Address));
        Assert.Equal(h.Now - 10, code.CreatedAt);
        Assert.Equal(h.Now - 10, h.Store.Record(Address).LastSentAt);
        // The racer's send is the only one the budget counts.
        Assert.Equal(1, h.Store.Count(AbuseLimits.BudgetWindow(h.Now), WindowCounter.Sends));
    }

    [Theory]
    [InlineData(45, 45)]
    [InlineData(0, 1)]
    public async Task Issue_WhenEveryRoundLosesToAnotherClientsWrite_GivesUpAfterThreeRounds_WithTheCooldownAsItsWait_AndGivesBackTheBudget(int cooldown, int retryAfter)
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = cooldown });
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
        h.Advance(cooldown);
        var budget = AbuseLimits.BudgetWindow(h.Now);
        var sendsBefore = h.Store.Count(budget, WindowCounter.Sends);
        // Another client's wrong guess moves the record on before each of our writes: a race that
        // leaves no cooldown to answer with, so every round writes and loses.
        var store = new RacedStore(h.Store, async _ =>
        {
            var newest = h.Store.Record(Address).Newest!.Value;
            Assert.NotNull(await h.Store.TryRecordWrongGuessAsync(Address, newest, "cGUESSER", 5, 15, h.Now, IdempotencyToken.New(), default));
        });
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);

        var outcome = await issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Cooldown, RetryAfterSeconds: retryAfter), outcome);
        Assert.Equal((3, 3), (store.Loads, store.Issues));
        Assert.Single(h.Store.Codes(Address));
        Assert.Equal(3, h.Store.Record(Address).Attempts);
        Assert.Equal(sendsBefore, h.Store.Count(budget, WindowCounter.Sends));
    }

    [Fact]
    public async Task Issue_RefusedWhenItTookNothingFromTheBudget_GivesNothingBack()
    {
        var h = new RuleHarness(new OtpSettings { MaxSendsPerMinute = 1 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var store = new RacedStore(h.Store, _ => Task.CompletedTask);
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);

        // The budget is spent and the address is in its cooldown: refused, and no budget to give back.
        Assert.Equal(GenerateStatus.Cooldown, (await issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
        Assert.Equal(GenerateStatus.BudgetExceeded, (await issuer.IssueAsync("other@example.com", RuleHarness.OtherClient, default)).Status);

        Assert.Equal((0, 0), (store.Issues, store.Uncounts));
    }

    /// <summary>Counts the issuer's reads, issue writes and budget give-backs; runs <c>beforeIssue(round)</c> just before each issue write.</summary>
    private sealed class RacedStore(IOtpStore inner, Func<int, Task> beforeIssue) : DelegatingStore(inner)
    {
        public int Loads { get; private set; }

        public int Issues { get; private set; }

        public int Uncounts { get; private set; }

        public override Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken)
        {
            Loads++;
            return base.LoadAddressAsync(address, cancellationToken);
        }

        public override async Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken)
        {
            await beforeIssue(Issues++);
            return await base.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
        }

        public override Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken)
        {
            Uncounts++;
            return base.UncountAsync(window, counter, token, cancellationToken);
        }
    }

    /// <summary>
    /// Round <c>appliedRound</c> (from 0; the first by default) has its record write apply but
    /// answers Conflict (as when its code's key was taken); before the round after it, and before
    /// each round before it, another client's wrong guess moves the record on (adding its own token
    /// to the record's and keeping the applied round's); later rounds pass. The race a DynamoDB
    /// store allows and the in-memory store cannot time on its own.
    /// </summary>
    private sealed class EarlierRoundAppliedStore(RuleHarness h, int appliedRound = 0) : DelegatingStore(h.Store)
    {
        private int _round;

        public override async Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken)
        {
            var round = _round++;
            if (round == appliedRound)
            {
                await base.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
                return IssueResult.Conflict;
            }

            if (round <= appliedRound + 1)
            {
                var newest = h.Store.Record(code.Address).Newest!.Value;
                Assert.NotNull(await h.Store.TryRecordWrongGuessAsync(code.Address, newest, "cOTHERCLIENT", 5, 15, h.Now, IdempotencyToken.New(), cancellationToken));
            }

            return await base.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
        }
    }
}
