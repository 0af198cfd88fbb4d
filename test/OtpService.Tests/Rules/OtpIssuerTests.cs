using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

public class OtpIssuerTests
{
    private const string Address = "user@example.com";

    [Fact]
    public async Task Issue_StoresANonceNotACode_AndAnswersSent()
    {
        var h = new RuleHarness();

        var outcome = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Sent, ExpiresInSeconds: 120, VerificationId: outcome.VerificationId), outcome);
        var stored = Assert.Single(h.Store.Codes(Address));
        Assert.Equal(VerificationId.Hash(outcome.VerificationId!), stored.VerificationIdHash);
        Assert.Equal(h.Clock.GetUtcNow().ToUnixTimeSeconds() + 120, stored.ExpiresAt);
        Assert.Equal(16, stored.Nonce.Length);
        Assert.Equal(6, stored.Digits);
    }

    [Fact]
    public async Task Issue_WithinTheCooldown_IsACooldownWithTheSecondsLeft()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        h.Advance(10);

        var outcome = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Cooldown, RetryAfterSeconds: 20), outcome);
        Assert.Single(h.Store.Codes(Address));
    }

    [Fact]
    public async Task Issue_AfterTheCooldown_IssuesANewerCode()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        h.Advance(30);

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        var codes = h.Store.Codes(Address);
        Assert.Equal(2, codes.Count);
        Assert.True(codes[0].ExpiresAt > codes[1].ExpiresAt);
    }

    [Fact]
    public async Task Issue_BeyondTheAddressesBurst_IsRateLimitedUntilTheBucketRefillsOne()
    {
        var h = new RuleHarness(new OtpSettings { ClientMaxSendsPerAddressPerHour = 5 });
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
            h.Advance(60);
        }

        var limited = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        // Five sends 60 s apart from t0: the bucket (5, one per 720 s) has one again at t0 + 720.
        Assert.Equal(new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: 420), limited);
        h.Advance(419);
        Assert.Equal(GenerateStatus.RateLimited, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        h.Advance(1);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Issue_OneClientGetsOnlyItsShareOfAnAddress_AndTheOwnerStillGetsACode()
    {
        var h = new RuleHarness();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
            h.Advance(30);
        }

        var attacker = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var owner = await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default);

        // Four sends 30 s apart; the client's bucket (4, one per 900 s) has one again at t0 + 900.
        Assert.Equal(new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: 780), attacker);
        Assert.Equal(GenerateStatus.Sent, owner.Status);
    }

    [Fact]
    public async Task Issue_AfterTheCooldownAnotherClientCaused_IsSentToTheOwner()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        h.Advance(5);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Cooldown, RetryAfterSeconds: 25), await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default));
        h.Advance(25);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
    }

    [Fact]
    public async Task Issue_MoreRequestsThanAClientsHour_IsClientLimitedUntilTheHourEnds()
    {
        var h = new RuleHarness(new OtpSettings { ClientMaxRequestsPerHour = 3, ClientMaxAddressesPerHour = 10 });
        var secondsToHourEnd = 3600 - (h.Now % 3600);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync($"user{i}@example.com", RuleHarness.Client, default)).Status);
        }

        var limited = await h.Issuer.IssueAsync("user3@example.com", RuleHarness.Client, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: (int)secondsToHourEnd), limited);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("user3@example.com", RuleHarness.OtherClient, default)).Status);
        h.Advance((int)secondsToHourEnd);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("user3@example.com", RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Issue_ForMoreDistinctAddressesThanAClientsHourAllows_IsClientLimited_ButTheSameAddresssIsNot()
    {
        var h = new RuleHarness(new OtpSettings { ClientMaxAddressesPerHour = 2, ResendCooldownSeconds = 0 });
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("a+1@example.com", RuleHarness.Client, default)).Status);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("a+2@example.com", RuleHarness.Client, default)).Status);

        Assert.Equal(GenerateStatus.ClientLimited, (await h.Issuer.IssueAsync("a+3@example.com", RuleHarness.Client, default)).Status);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("a+2@example.com", RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Issue_RefusedByTheAddress_StillCountsAsTheClientsRequest()
    {
        var h = new RuleHarness(new OtpSettings { ClientMaxRequestsPerHour = 2 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        Assert.Equal(GenerateStatus.Cooldown, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);

        Assert.Equal(GenerateStatus.ClientLimited, (await h.Issuer.IssueAsync("other@example.com", RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Issue_BeyondTheGlobalBudget_IsRefusedUntilTheMinuteEnds_AndCountsNoSend()
    {
        var h = new RuleHarness(new OtpSettings { MaxSendsPerMinute = 2 });
        var secondsToMinuteEnd = 60 - (h.Now % 60);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("a@example.com", "192.0.2.1", default)).Status);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("b@example.com", "192.0.2.2", default)).Status);

        var refused = await h.Issuer.IssueAsync("c@example.com", "192.0.2.3", default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.BudgetExceeded, RetryAfterSeconds: (int)secondsToMinuteEnd), refused);
        Assert.Empty(h.Store.Codes("c@example.com"));
        Assert.Equal(0, h.Store.Record("c@example.com").Version);
        h.Advance((int)secondsToMinuteEnd);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("c@example.com", "192.0.2.3", default)).Status);
    }

    [Fact]
    public async Task Issue_RefusedByTheAddress_TakesNothingFromTheGlobalBudget()
    {
        var h = new RuleHarness(new OtpSettings { MaxSendsPerMinute = 2 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(GenerateStatus.Cooldown, (await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
        }

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("other@example.com", RuleHarness.OtherClient, default)).Status);
    }

    [Fact]
    public async Task Issue_RefusedByTheClientsHour_TakesNothingFromTheGlobalBudget()
    {
        var h = new RuleHarness(new OtpSettings { MaxSendsPerMinute = 1, ClientMaxRequestsPerHour = 1 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        h.Advance(60 - (int)(h.Now % 60));
        var budget = AbuseLimits.BudgetWindow(h.Now);

        Assert.Equal(GenerateStatus.ClientLimited, (await h.Issuer.IssueAsync("a@example.com", RuleHarness.Client, default)).Status);

        Assert.Equal(0, h.Store.Count(budget, WindowCounter.Sends));
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("b@example.com", RuleHarness.OtherClient, default)).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Issue_ConcurrentRequestsForOneAddress_TakeOneSendFromTheGlobalBudget(bool oneTransaction)
    {
        var h = new RuleHarness();
        h.Store.IssueInOneTransaction = oneTransaction;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => h.Issuer.IssueAsync(Address, RuleHarness.Client, default))));

        Assert.Single(outcomes, o => o.Status == GenerateStatus.Sent);
        Assert.Equal(1, h.Store.Count(AbuseLimits.BudgetWindow(h.Now), WindowCounter.Sends));
    }

    [Fact]
    public async Task Issue_WhenTheGlobalBudgetAndTheAddressBothRefuse_AnswersWithTheAddresssWait()
    {
        var h = new RuleHarness(new OtpSettings { MaxSendsPerMinute = 1 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var refused = await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Cooldown, RetryAfterSeconds: h.Settings.ResendCooldownSeconds), refused);
        Assert.Equal(1, h.Store.Count(AbuseLimits.BudgetWindow(h.Now), WindowCounter.Sends));
    }

    [Fact]
    public async Task Issue_AfterManyWrongGuesses_SendsLongerCodes_NeverRefusesThem_AndForgivesOverTime()
    {
        var settings = new OtpSettings { FailuresBeforeLongCodes = 4, FailureForgiveSeconds = 1000, ResendCooldownSeconds = 0 };
        var h = new RuleHarness(settings);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var wrong = RuleHarness.Wrong(h.CurrentCode(Address));
        for (var i = 0; i < 4; i++)
        {
            await h.Verifier.VerifyAsync(Address, wrong, RuleHarness.Client, default);
        }

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
        Assert.Equal(10, h.Store.Codes(Address)[0].Digits);
        Assert.Equal(10, h.CurrentCode(Address).Length);

        h.Advance(1000);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).Status);
        Assert.Equal(6, h.Store.Codes(Address)[0].Digits);
        Assert.Equal((3L, h.Now), (h.Store.Record(Address).Failures, h.Store.Record(Address).FailuresSince));
    }

    [Fact]
    public async Task Issue_WhenTheCodeWriteFailsAfterTheRecordWrite_CountsTheSendAndMailsNothing()
    {
        var h = new RuleHarness();
        h.Store.FailNextCodeInsert = true;

        await Failures.ThrowsAsync(Dependency.DynamoDB, FailureKind.Transient, () => h.Issuer.IssueAsync(Address, RuleHarness.Client, default));

        Assert.Empty(h.Store.Codes(Address));
        Assert.Equal(1, h.Store.Record(Address).Version);
        Assert.Equal(VerifyStatus.NotFound, (await h.Verifier.VerifyAsync(Address, "123456", RuleHarness.OtherClient, default)).Status);
    }

    [Fact]
    public async Task Issue_InOneTransaction_WhenItFails_CountsNoSendAndTheNextRequestGetsACode()
    {
        var h = new RuleHarness();
        h.Store.IssueInOneTransaction = true;
        h.Store.FailNextCodeInsert = true;

        await Failures.ThrowsAsync(Dependency.DynamoDB, FailureKind.Transient, () => h.Issuer.IssueAsync(Address, RuleHarness.Client, default));

        Assert.Empty(h.Store.Codes(Address));
        Assert.Equal(AddressState.Empty, h.Store.Record(Address));
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Issue_WithZeroCooldown_StillGivesEveryCodeItsOwnKey()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 0, MaxSendsPerHour = 10, ClientMaxSendsPerAddressPerHour = 10 });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        }

        Assert.Equal(3, h.Store.Codes(Address).Select(c => c.ExpiresAt).Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Issue_ConcurrentRequests_IssueExactlyOneCode(bool oneTransaction)
    {
        var h = new RuleHarness();
        h.Store.IssueInOneTransaction = oneTransaction;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => h.Issuer.IssueAsync(Address, RuleHarness.Client, default))));

        Assert.Single(outcomes, o => o.Status == GenerateStatus.Sent);
        Assert.Single(h.Store.Codes(Address));
    }

    [Fact]
    public async Task Issue_AddressesAreIndependent()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("other@example.com", RuleHarness.Client, default)).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // The folded flow passes the keep-until in its own write.
    public async Task Issue_KeepsTheCodeAnHourPastItsExpiry_ForTheTableTtl(bool inTransactions)
    {
        var h = new RuleHarness();
        h.Store.IssueInOneTransaction = inTransactions;
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var expiresAt = Assert.Single(h.Store.Codes(Address)).ExpiresAt;

        h.Store.Expire(expiresAt + 3600);
        Assert.Single(h.Store.Codes(Address));

        h.Store.Expire(expiresAt + 3601);
        Assert.Empty(h.Store.Codes(Address));
    }

    [Fact]
    public async Task Issue_KeepsTheClientsHourAndTheBudgetsMinute_AnHourPastTheirClose()
    {
        var h = new RuleHarness();
        var client = AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now);
        var budget = AbuseLimits.BudgetWindow(h.Now);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        h.Store.Expire(budget.WindowEnd + 3600);
        Assert.Equal(1, h.Store.Count(budget, WindowCounter.Sends));
        h.Store.Expire(budget.WindowEnd + 3601);
        Assert.Equal(0, h.Store.Count(budget, WindowCounter.Sends));

        h.Store.Expire(client.WindowEnd + 3600);
        Assert.Equal(1, h.Store.Count(client, WindowCounter.Requests));
        h.Store.Expire(client.WindowEnd + 3601);
        Assert.Equal(0, h.Store.Count(client, WindowCounter.Requests));
    }
}
