using OtpService.Core.Otp;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

public class OtpVerifierTests
{
    private const string Address = "user@example.com";

    private static async Task<(RuleHarness Harness, string Code)> Issued(OtpSettings? settings = null)
    {
        var h = new RuleHarness(settings);
        await h.Issuer.IssueAsync(Address, default);
        return (h, h.CurrentCode(Address));
    }

    [Fact]
    public async Task Verify_WithTheMailedCode_IsVerified()
    {
        var (h, code) = await Issued();

        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, default)).Status);
    }

    [Fact]
    public async Task Verify_TheSameCodeTwice_IsAlreadyUsed()
    {
        var (h, code) = await Issued();
        await h.Verifier.VerifyAsync(Address, code, default);

        Assert.Equal(VerifyStatus.AlreadyUsed, (await h.Verifier.VerifyAsync(Address, code, default)).Status);
    }

    [Fact]
    public async Task Verify_WithAWrongCode_CountsDownTheAttempts()
    {
        var (h, code) = await Issued();
        var wrong = RuleHarness.Wrong(code);

        var remaining = new List<int?>();
        for (var i = 0; i < 5; i++)
        {
            var outcome = await h.Verifier.VerifyAsync(Address, wrong, default);
            Assert.Equal(VerifyStatus.WrongCode, outcome.Status);
            remaining.Add(outcome.AttemptsRemaining);
        }

        Assert.Equal([4, 3, 2, 1, 0], remaining);
    }

    [Fact]
    public async Task Verify_AfterTheAttemptLimit_RefusesEvenTheRightCode()
    {
        var (h, code) = await Issued();
        for (var i = 0; i < 5; i++)
        {
            await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), default);
        }

        var outcome = await h.Verifier.VerifyAsync(Address, code, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.TooManyAttempts), outcome);
    }

    [Fact]
    public async Task Verify_AtTheExpirySecond_StillVerifies_AndOneSecondLater_IsTimeOver()
    {
        var (h, code) = await Issued();
        h.Advance(120);
        var (h2, code2) = await Issued();
        h2.Advance(121);

        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, default)).Status);
        Assert.Equal(VerifyStatus.Expired, (await h2.Verifier.VerifyAsync(Address, code2, default)).Status);
    }

    [Fact]
    public async Task Verify_ExpiredWrongCode_IsTimeOverAsInTheSeed()
    {
        var (h, code) = await Issued();
        h.Advance(500);

        Assert.Equal(VerifyStatus.Expired, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), default)).Status);
    }

    [Fact]
    public async Task Verify_UnknownAddress_IsNotFound()
    {
        var h = new RuleHarness();

        Assert.Equal(VerifyStatus.NotFound, (await h.Verifier.VerifyAsync(Address, "123456", default)).Status);
    }

    [Fact]
    public async Task Verify_AnOlderCode_FailsOnceANewerOneIsIssued()
    {
        var (h, first) = await Issued();
        h.Advance(30);
        await h.Issuer.IssueAsync(Address, default);
        var second = h.CurrentCode(Address);

        Assert.NotEqual(first, second);
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, first, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, second, default)).Status);
    }

    [Fact]
    public async Task Verify_ConcurrentRightCodes_VerifyExactlyOnce()
    {
        var (h, code) = await Issued();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => h.Verifier.VerifyAsync(Address, code, default))));

        Assert.Single(outcomes, o => o.Status == VerifyStatus.Verified);
        Assert.All(outcomes.Where(o => o.Status != VerifyStatus.Verified), o => Assert.Equal(VerifyStatus.AlreadyUsed, o.Status));
    }

    [Fact]
    public async Task Verify_ConcurrentWrongGuesses_AreJudgedAtMostMaxAttemptsTimes()
    {
        var (h, code) = await Issued();
        var wrong = RuleHarness.Wrong(code);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => h.Verifier.VerifyAsync(Address, wrong, default))));

        Assert.Equal(5, outcomes.Count(o => o.Status == VerifyStatus.WrongCode));
        Assert.Equal(15, outcomes.Count(o => o.Status == VerifyStatus.TooManyAttempts));
        Assert.Equal(5, h.Store.Codes(Address)[0].Attempts);
    }

    [Fact]
    public async Task Verify_AfterTheDailyFailureCap_IsRefusedForEveryCode()
    {
        var settings = new OtpSettings { MaxFailuresPerDay = 4, ResendCooldownSeconds = 0, MaxAttempts = 3 };
        var (h, code) = await Issued(settings);
        for (var i = 0; i < 3; i++)
        {
            await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), default);
        }

        await h.Issuer.IssueAsync(Address, default);
        var fresh = h.CurrentCode(Address);
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(fresh), default)).Status);

        var refused = await h.Verifier.VerifyAsync(Address, fresh, default);

        Assert.Equal(VerifyStatus.TooManyAttempts, refused.Status);
        Assert.Equal(86_400, refused.RetryAfterSeconds);
        h.Advance(86_400);
        Assert.NotEqual(VerifyStatus.TooManyAttempts, (await h.Verifier.VerifyAsync(Address, fresh, default)).Status);
    }
}
