using OtpService.Core.Otp;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

public class OtpIssuerTests
{
    private const string Address = "user@example.com";

    [Fact]
    public async Task Issue_StoresANonceNotACode_AndAnswersSent()
    {
        var h = new RuleHarness();

        var outcome = await h.Issuer.IssueAsync(Address, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.Sent, ExpiresInSeconds: 120), outcome);
        var stored = Assert.Single(h.Store.Codes(Address));
        Assert.Equal(h.Clock.GetUtcNow().ToUnixTimeSeconds() + 120, stored.ExpiresAt);
        Assert.Equal(16, stored.Nonce.Length);
        Assert.Equal(6, stored.Digits);
    }

    [Fact]
    public async Task Issue_WithinTheCooldown_IsRateLimitedWithTheSecondsLeft()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, default);
        h.Advance(10);

        var outcome = await h.Issuer.IssueAsync(Address, default);

        Assert.Equal(new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: 20), outcome);
        Assert.Single(h.Store.Codes(Address));
    }

    [Fact]
    public async Task Issue_AfterTheCooldown_IssuesANewerCode()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, default);
        h.Advance(30);

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, default)).Status);
        var codes = h.Store.Codes(Address);
        Assert.Equal(2, codes.Count);
        Assert.True(codes[0].ExpiresAt > codes[1].ExpiresAt);
    }

    [Fact]
    public async Task Issue_SixthSendInAnHour_IsRateLimitedUntilTheOldestAgesOut()
    {
        var h = new RuleHarness();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, default)).Status);
            h.Advance(60);
        }

        var limited = await h.Issuer.IssueAsync(Address, default);

        // First send at t0; now t0+300; the window reopens at t0+3600.
        Assert.Equal(new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: 3300), limited);
        h.Advance(3300);
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, default)).Status);
    }

    [Fact]
    public async Task Issue_WithZeroCooldown_StillGivesEveryCodeItsOwnKey()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 0, MaxSendsPerHour = 10 });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, default)).Status);
        }

        Assert.Equal(3, h.Store.Codes(Address).Select(c => c.ExpiresAt).Distinct().Count());
    }

    [Fact]
    public async Task Issue_ConcurrentRequests_IssueExactlyOneCode()
    {
        var h = new RuleHarness();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => h.Issuer.IssueAsync(Address, default))));

        Assert.Single(outcomes, o => o.Status == GenerateStatus.Sent);
        Assert.Single(h.Store.Codes(Address));
    }

    [Fact]
    public async Task Issue_AfterTooManyWrongGuessesToday_IsRefused()
    {
        var h = new RuleHarness(new OtpSettings { MaxFailuresPerDay = 6, ResendCooldownSeconds = 0 });
        for (var code = 0; code < 2; code++)
        {
            await h.Issuer.IssueAsync(Address, default);
            var wrong = RuleHarness.Wrong(h.CurrentCode(Address));
            for (var i = 0; i < 3; i++)
            {
                await h.Verifier.VerifyAsync(Address, wrong, default);
            }

            h.Advance(60);
        }

        var refused = await h.Issuer.IssueAsync(Address, default);

        Assert.Equal(GenerateStatus.TooManyFailures, refused.Status);
        Assert.Equal(86_400 - 120, refused.RetryAfterSeconds);
    }

    [Fact]
    public async Task Issue_AddressesAreIndependent()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, default);

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync("other@example.com", default)).Status);
    }
}
