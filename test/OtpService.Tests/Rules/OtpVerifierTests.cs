using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

public class OtpVerifierTests
{
    private const string Address = "user@example.com";

    private static async Task<(RuleHarness Harness, string Code)> Issued(OtpSettings? settings = null)
    {
        var h = new RuleHarness(settings);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        return (h, h.CurrentCode(Address));
    }

    [Fact]
    public async Task Verify_WithTheMailedCode_IsVerified()
    {
        var (h, code) = await Issued();

        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Verify_TheSameCodeTwice_IsAlreadyUsed()
    {
        var (h, code) = await Issued();
        await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.AlreadyUsed, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Verify_WithAWrongCode_CountsDownTheAttempts()
    {
        var (h, code) = await Issued();
        var wrong = RuleHarness.Wrong(code);

        var remaining = new List<int?>();
        for (var i = 0; i < 5; i++)
        {
            var outcome = await h.Verifier.VerifyAsync(Address, wrong, RuleHarness.Client, default);
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
            await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        }

        var outcome = await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.TooManyAttempts), outcome);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.OtherClient, default)).Status);
    }

    [Fact]
    public async Task Verify_AfterEveryClientsTriesTogether_RefusesTheRightCodeToAll()
    {
        var (h, code) = await Issued(new OtpSettings { MaxAttempts = 2, MaxAttemptsAllClients = 4 });
        foreach (var client in new[] { "192.0.2.1", "192.0.2.2" })
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), client, default)).Status);
            }
        }

        Assert.Equal(VerifyStatus.TooManyAttempts, (await h.Verifier.VerifyAsync(Address, code, "192.0.2.3", default)).Status);
        Assert.Equal(4, h.Store.Record(Address).Attempts);
    }

    [Fact]
    public async Task Verify_AttemptsRemaining_CountsOnlyTheCallersOwnTries()
    {
        var (h, code) = await Issued();
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);

        var owner = await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.OtherClient, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: 4), owner);
    }

    [Fact]
    public async Task Verify_AtTheExpirySecond_StillVerifies_AndOneSecondLater_IsTimeOver()
    {
        var (h, code) = await Issued();
        h.Advance(120);
        var (h2, code2) = await Issued();
        h2.Advance(121);

        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Expired, (await h2.Verifier.VerifyAsync(Address, code2, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Verify_ExpiredWrongCode_IsTimeOverAsInTheSeed()
    {
        var (h, code) = await Issued();
        h.Advance(500);

        Assert.Equal(VerifyStatus.Expired, (await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Verify_UnknownAddress_IsNotFound()
    {
        var h = new RuleHarness();

        Assert.Equal(VerifyStatus.NotFound, (await h.Verifier.VerifyAsync(Address, "123456", RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Verify_AnOlderCode_IsSupersededOnceANewerOneIsIssued()
    {
        var (h, first) = await Issued();
        h.Advance(30);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var second = h.CurrentCode(Address);

        Assert.NotEqual(first, second);
        Assert.Equal(VerifyStatus.Superseded, (await h.Verifier.VerifyAsync(Address, first, RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, second, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task Verify_ConcurrentRightCodes_VerifyExactlyOnce()
    {
        var (h, code) = await Issued();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default))));

        Assert.Single(outcomes, o => o.Status == VerifyStatus.Verified);
        Assert.All(outcomes.Where(o => o.Status != VerifyStatus.Verified), o => Assert.Equal(VerifyStatus.AlreadyUsed, o.Status));
    }

    [Fact]
    public async Task Verify_ConcurrentWrongGuesses_AreJudgedAtMostMaxAttemptsTimes()
    {
        var (h, code) = await Issued();
        var wrong = RuleHarness.Wrong(code);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => h.Verifier.VerifyAsync(Address, wrong, RuleHarness.Client, default))));

        Assert.Equal(5, outcomes.Count(o => o.Status == VerifyStatus.WrongCode));
        Assert.Equal(15, outcomes.Count(o => o.Status == VerifyStatus.TooManyAttempts));
        Assert.Equal(5, h.Store.Record(Address).Attempts);
    }

    [Fact]
    public async Task Verify_AfterTheClientsFailuresThisHour_IsRefusedBeforeTheCompare_ForThatClientOnly()
    {
        var (h, code) = await Issued(new OtpSettings { ClientMaxFailuresPerHour = 3 });
        var secondsToHourEnd = (int)(3600 - (h.Now % 3600));
        await h.Verifier.VerifyAsync("nobody@example.com", "123456", RuleHarness.Client, default);
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);

        var refused = await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.ClientLimited, RetryAfterSeconds: secondsToHourEnd), refused);
        Assert.Equal(2, h.Store.Record(Address).Attempts);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.OtherClient, default)).Status);
    }

    [Fact]
    public async Task Verify_Success_IsNotCountedAsTheClientsFailure()
    {
        var settings = new OtpSettings { ClientMaxFailuresPerHour = 1, ResendCooldownSeconds = 0, ClientMaxSendsPerAddressPerHour = 5 };
        var h = new RuleHarness(settings);
        for (var i = 0; i < 3; i++)
        {
            await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
            Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
        }

        Assert.Equal(0, h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), OtpService.Core.Rules.WindowCounter.Failures));
    }

    [Fact]
    public async Task Verify_ALongCodeSentUnderAttack_Verifies()
    {
        var (h, code) = await Issued(new OtpSettings { FailuresBeforeLongCodes = 2, ResendCooldownSeconds = 0 });
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default);
        var longCode = h.CurrentCode(Address);

        Assert.Equal(10, longCode.Length);
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, longCode[..6], RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, longCode, RuleHarness.OtherClient, default)).Status);
    }

    [Fact]
    public async Task Verify_WhileTheNewestCodesItemIsMissing_TheOlderCodeIsSupersededNotVerified()
    {
        var (h, code) = await Issued(new OtpSettings { ResendCooldownSeconds = 0 });
        h.Store.FailNextCodeInsert = true;
        await Failures.ThrowsAsync(Dependency.DynamoDB, FailureKind.Transient, () => h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default));

        var outcome = await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.Superseded, outcome.Status);
        Assert.Null(h.Store.Record(Address).UsedAt);
    }

    [Fact]
    public async Task Verify_ARightCodeThatLosesToANewerIssue_IsSupersededNotUsed_AndNotCounted()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 0 });
        var store = new RacingStore(h);
        var verifier = new OtpVerifier(store, h.Derivation, h.Settings, h.Clock, h.Tagger);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.CurrentCode(Address);

        var outcome = await verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.Superseded, outcome.Status);
        Assert.Null(h.Store.Record(Address).UsedAt);
        Assert.Equal(0, h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), OtpService.Core.Rules.WindowCounter.Failures));
    }

    [Fact]
    public async Task Verify_ARightCodeThatAnotherRequestUsedFirst_IsAlreadyUsed_AndNotCountedAsTheClientsFailure()
    {
        var (h, code) = await Issued(new OtpSettings { ClientMaxFailuresPerHour = 1 });
        var verifier = new OtpVerifier(new UsedFirstStore(h, code), h.Derivation, h.Settings, h.Clock, h.Tagger);

        var outcome = await verifier.VerifyAsync(Address, code, RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.AlreadyUsed, outcome.Status);
        Assert.Equal(0, h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), OtpService.Core.Rules.WindowCounter.Failures));
    }

    /// <summary>Another request (from another client) uses the code between verify's read and its write.</summary>
    private sealed class UsedFirstStore(RuleHarness h, string code) : DelegatingStore(h.Store)
    {
        public override async Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken)
        {
            Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(address, code, RuleHarness.OtherClient, cancellationToken)).Status);
            return await base.TryMarkUsedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, cancellationToken);
        }
    }

    /// <summary>Issues a newer code between verify's read and its write: a race DynamoDB allows and the in-memory store cannot time on its own.</summary>
    private sealed class RacingStore(RuleHarness h) : DelegatingStore(h.Store)
    {
        public override async Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken)
        {
            await h.Issuer.IssueAsync(address, RuleHarness.OtherClient, cancellationToken);
            return await base.TryMarkUsedAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, owners, token, cancellationToken);
        }
    }
}
