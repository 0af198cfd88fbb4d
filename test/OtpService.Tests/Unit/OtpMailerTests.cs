using OtpService.Core.Otp;
using OtpService.Core.Ports;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

public class OtpMailerTests
{
    private const string Address = "user@example.com";

    private static async Task<(RuleHarness Harness, long ExpiresAt)> Issued()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        return (h, h.Store.Codes(Address)[0].ExpiresAt);
    }

    [Fact]
    public async Task Mail_SendsTheDerivedCodeOnce_EvenWhenTheRecordIsRedelivered()
    {
        var (h, expiresAt) = await Issued();

        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);

        var mail = Assert.Single(h.Mail.Sent);
        Assert.Contains(h.CurrentCode(Address), mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(Address, mail.To);
    }

    [Fact]
    public async Task Mail_AfterARetryableFailure_IsRetriedAndSentOnce()
    {
        var (h, expiresAt) = await Issued();
        h.Mail.FailWith = new EmailSendException("SES throttled", retryable: true);

        Assert.Equal(MailOutcome.RetryLater, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        h.Mail.FailWith = null;
        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Single(h.Mail.Sent);
    }

    [Fact]
    public async Task Mail_RefusedBySes_IsRejected()
    {
        var (h, expiresAt) = await Issued();
        h.Mail.FailWith = new EmailSendException("MessageRejected", retryable: false);

        Assert.Equal(MailOutcome.Rejected, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
    }

    [Fact]
    public async Task Mail_WhileAnotherInvocationHoldsTheClaim_AsksForARetry()
    {
        var (h, expiresAt) = await Issued();
        var now = h.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.NotNull(await h.Store.TryClaimMailingAsync(Address, expiresAt, now, OtpMailer.ClaimLeaseSeconds, default));

        Assert.Equal(MailOutcome.RetryLater, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        h.Advance(OtpMailer.ClaimLeaseSeconds);
        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
    }

    [Fact]
    public async Task Mail_ForAnExpiredOrMissingCode_SendsNothing()
    {
        var (h, expiresAt) = await Issued();
        h.Advance(121);

        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync("nobody@example.com", expiresAt, default)).Outcome);
        Assert.Empty(h.Mail.Sent);
    }
}
