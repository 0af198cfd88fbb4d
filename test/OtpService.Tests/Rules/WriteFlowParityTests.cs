using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The rules write in one of two flows: counted writes beside each step where the store has no
/// transactions (dynalite), or the count folded into the step's one transaction where it has them
/// (<see cref="IOtpStore.CountsInTransactions"/>: DynamoDB in AWS, moto). Most rule tests run the
/// first; each case here runs both and expects the same answers, so a rule broken in either flow
/// fails a fast test (the whole-layer Stryker run of 2026-12-07 found the folded branches of
/// OtpIssuer and OtpVerifier reached by no fast test: docs/mutation.md).
/// </summary>
public sealed class WriteFlowParityTests
{
    private const string Address = "parity@example.com";

    private static RuleHarness Harness(bool inTransactions, OtpSettings? settings = null)
    {
        var h = new RuleHarness(settings);
        h.Store.IssueInOneTransaction = inTransactions;
        Assert.Equal(inTransactions, ((IOtpStore)h.Store).CountsInTransactions);
        return h;
    }

    private static int Failures(RuleHarness h) =>
        h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), WindowCounter.Failures);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WrongCodes_CountTheAttemptsLeftDown_ThenTheCodeIsLocked(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { MaxAttempts = 3 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.CurrentCode(Address);

        var left = new List<int?>();
        for (var i = 0; i < 3; i++)
        {
            var outcome = await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
            Assert.Equal(VerifyStatus.WrongCode, outcome.Status);
            left.Add(outcome.AttemptsRemaining);
        }

        Assert.Equal([2, 1, 0], left);
        Assert.Equal(VerifyStatus.TooManyAttempts, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
        Assert.Equal(4, Failures(h));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AClientAtItsFailureLimit_IsRefusedEvenARightCode_AndOthersAreNot(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { ClientMaxFailuresPerHour = 3 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.CurrentCode(Address);
        var secondsToHourEnd = (int)(3600 - (h.Now % 3600));

        Assert.Equal(VerifyStatus.NotFound, (await h.Verifier.VerifyAsync("nobody@example.com", "123456", RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default)).Status);
        Assert.Equal(3, Failures(h));

        Assert.Equal(new VerifyOutcome(VerifyStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default));
        Assert.Equal(new VerifyOutcome(VerifyStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), await h.Verifier.VerifyAsync("nobody@example.com", "123456", RuleHarness.Client, default));
        Assert.Equal(new VerifyOutcome(VerifyStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default));
        Assert.Equal(2, h.Store.Record(Address).Attempts);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.OtherClient, default)).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARightCode_GivesItsFailureBack(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { ClientMaxFailuresPerHour = 2 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.CurrentCode(Address);
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default)).Status);

        var verified = await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.Verified, verified.Status);
        Assert.Equal(1, Failures(h));
        Assert.Equal(VerifyStatus.AlreadyUsed, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
        Assert.Equal(2, Failures(h));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnEarlierCode_IsSuperseded_AndNotAFailure_UnlessTheClientIsAtItsLimit(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { ClientMaxFailuresPerHour = 1, ResendCooldownSeconds = 0 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var earlier = h.CurrentCode(Address);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.Superseded, (await h.Verifier.VerifyAsync(Address, earlier, RuleHarness.Client, default)).Status);
        Assert.Equal(0, Failures(h));

        Assert.Equal(VerifyStatus.NotFound, (await h.Verifier.VerifyAsync("nobody@example.com", "123456", RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.ClientLimited, (await h.Verifier.VerifyAsync(Address, earlier, RuleHarness.Client, default)).Status);
        Assert.Equal(1, Failures(h));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generate_ARequestRefusedForTheCooldown_StillCountsAgainstTheClient(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { ClientMaxRequestsPerHour = 2 });
        var secondsToHourEnd = (int)(3600 - (h.Now % 3600));

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        Assert.Equal(GenerateStatus.Cooldown, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        var third = await h.Issuer.IssueAsync("other@example.com", RuleHarness.Client, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), third);
        Assert.Empty(h.Store.Codes("other@example.com"));
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("other@example.com", RuleHarness.OtherClient, default)).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generate_AClientAtItsLimit_IsClientLimited_AlsoForAnAddressInItsCooldown(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { ClientMaxRequestsPerHour = 1 });
        var secondsToHourEnd = (int)(3600 - (h.Now % 3600));
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);

        var again = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        // Folded, the cooldown is decided first and the client's count made with the refusal: the limit still wins.
        Assert.Equal(new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), again);
        Assert.Single(h.Store.Codes(Address));
        Assert.Equal(1, h.Store.Count(AbuseLimits.BudgetWindow(h.Now), WindowCounter.Sends));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generate_OverTheSendBudget_IsBudgetExceeded_ButClientLimitedForAClientAtItsLimit(bool inTransactions)
    {
        var h = Harness(inTransactions, new OtpSettings { ClientMaxRequestsPerHour = 1, MaxSendsPerMinute = 1 });
        var secondsToHourEnd = (int)(3600 - (h.Now % 3600));
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);

        var fromTheSameClient = await h.Issuer.IssueAsync("other@example.com", RuleHarness.Client, default);
        var fromAnother = await h.Issuer.IssueAsync("third@example.com", RuleHarness.OtherClient, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), fromTheSameClient);
        Assert.Equal(GenerateStatus.BudgetExceeded, fromAnother.Status);
        Assert.Empty(h.Store.Codes("other@example.com"));
        Assert.Empty(h.Store.Codes("third@example.com"));
    }
}
