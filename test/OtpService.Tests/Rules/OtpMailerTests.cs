using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

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

    [Theory]
    [InlineData(FailureKind.Transient)]
    [InlineData(FailureKind.Undeliverable)]
    [InlineData(FailureKind.Configuration)]
    public async Task Mail_WhenTheProviderFails_ReportsItsClassAndType_AndReleasesTheClaim(FailureKind failureClass)
    {
        var (h, expiresAt) = await Issued();
        h.Mail.FailWith = Failures.Mail("SES v2 SendEmail failed: HTTP 400 SomeError.", failureClass, "SomeError");

        var failed = await h.Mailer.MailAsync(Address, expiresAt, default);

        Assert.Equal((MailOutcome.Failed, failureClass, "SomeError"), (failed.Outcome, failed.FailureKind, failed.ErrorType));
        Assert.Equal("SES v2 SendEmail failed: HTTP 400 SomeError.", failed.Error);
        // The claim is released at once: the retry Lambda makes mails the code without waiting out a lease.
        h.Mail.FailWith = null;
        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Single(h.Mail.Sent);
    }

    [Fact]
    public async Task Mail_WhileAnotherInvocationHoldsTheClaim_WaitsOutTheLease_WhichIsTheFunctionTimeout()
    {
        var h = new RuleHarness(new OtpSettings { FunctionTimeoutSeconds = 45 });
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var expiresAt = h.Store.Codes(Address)[0].ExpiresAt;
        var now = h.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(45, h.Mailer.ClaimLeaseSeconds);
        Assert.NotNull(await h.Store.TryClaimMailingAsync(Address, expiresAt, now, h.Mailer.ClaimLeaseSeconds, IdempotencyToken.New(), default));

        var held = await h.Mailer.MailAsync(Address, expiresAt, default);
        Assert.Equal((MailOutcome.ClaimHeld, "another invocation holds the mailing claim"), (held.Outcome, held.Error));
        h.Advance(44);
        Assert.Equal(MailOutcome.ClaimHeld, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        h.Advance(1);
        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Single(h.Mail.Sent);
    }

    [Fact]
    public async Task Mail_StatesTheStoredCodesLifetime_NotTheMailersTtl()
    {
        // Issued with a 120 s TTL; the mailer runs after a stack update set the TTL to 600 s.
        var (h, expiresAt) = await Issued();
        var mailer = new OtpMailer(h.Store, h.Mail, h.Derivation, h.Settings with { TtlSeconds = 600 }, h.Clock);

        await mailer.MailAsync(Address, expiresAt, default);

        var mail = Assert.Single(h.Mail.Sent);
        Assert.Equal("Your OTP (valid for only 2 mins)!", mail.Subject);
        Assert.Contains("The code is valid for 2 mins.", mail.TextBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Mail_WhenMarkingItMailedFails_StillCountsAsSent_SoNoRetryMailsItTwice(bool configurationError)
    {
        var (h, expiresAt) = await Issued();
        h.Store.FailMarkMailedWith = configurationError
            ? Failures.StoreConfiguration()
            : Failures.StoreUnavailable("DynamoDB could not be completed: Timeout.", "Timeout");

        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        // A redelivery finds the claim still held (it was never dropped) and sends nothing.
        Assert.Equal(MailOutcome.ClaimHeld, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        Assert.Single(h.Mail.Sent);
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

    [Fact]
    public async Task Mail_OnTheLastSecondOfTheCode_StillSends()
    {
        var (h, expiresAt) = await Issued();
        h.Advance((int)(expiresAt - h.Clock.GetUtcNow().ToUnixTimeSeconds()));

        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
    }

    [Fact]
    public async Task Mail_ForAnExpiredCode_ReleasesItsClaim_SoARedeliveryIsSkippedToo()
    {
        var (h, expiresAt) = await Issued();
        h.Advance(121);

        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
        // Had the claim stayed, this would be ClaimHeld (and retried) instead of done.
        Assert.Equal(MailOutcome.Skipped, (await h.Mailer.MailAsync(Address, expiresAt, default)).Outcome);
    }

    [Fact]
    public async Task Mail_WithoutASenderAddress_RefusesNamingTheVariable()
    {
        var (h, expiresAt) = await Issued();
        var mailer = new OtpMailer(h.Store, h.Mail, h.Derivation, h.Settings with { SenderAddress = null }, h.Clock);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => mailer.MailAsync(Address, expiresAt, default));

        Assert.Contains("OTP_SENDER_ADDRESS", error.Message, StringComparison.Ordinal);
    }
}
