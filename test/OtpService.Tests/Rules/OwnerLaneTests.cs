using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The owner lane: a client that verified a code of an address is not blocked by what other
/// clients spend of that address (its send bucket, the all-clients tries at a code); its own
/// limits still hold, and the lane ends <see cref="AbuseLimits.OwnerTrustSeconds"/> after its last success.
/// </summary>
public class OwnerLaneTests
{
    private const string Address = "owner@example.com";
    private static readonly string[] Attackers = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6"];

    /// <summary>The owner signs in once from <see cref="RuleHarness.Client"/>, then the send bucket is emptied and the code killed by others.</summary>
    private static async Task<RuleHarness> OwnerThenAttack(OtpSettings? settings = null)
    {
        var h = new RuleHarness(settings ?? new OtpSettings { MaxSendsPerHour = 3, ClientMaxSendsPerAddressPerHour = 1, MaxAttempts = 2, MaxAttemptsAllClients = 4, ResendCooldownSeconds = 0 });
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
        h.Advance(3600);
        foreach (var attacker in Attackers)
        {
            await h.Issuer.IssueAsync(Address, attacker, default);
        }

        return h;
    }

    private static async Task KillTheCode(RuleHarness h)
    {
        var wrong = RuleHarness.Wrong(h.CurrentCode(Address));
        foreach (var attacker in Attackers)
        {
            for (var i = 0; i < h.Settings.MaxAttempts; i++)
            {
                await h.Verifier.VerifyAsync(Address, wrong, attacker, default);
            }
        }
    }

    [Fact]
    public async Task AnOwner_GetsACode_WhenOtherClientsHaveEmptiedTheAddresssBucket_AndAStrangerDoesNot()
    {
        var h = await OwnerThenAttack();

        Assert.Equal(GenerateStatus.RateLimited, (await h.Issuer.IssueAsync(Address, "198.51.100.99", default)).Status);
        var before = h.Store.Record(Address).SendTat;
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        Assert.Equal(before, h.Store.Record(Address).SendTat);
    }

    [Fact]
    public async Task AnOwner_StillHasItsOwnShareOfTheAddress()
    {
        var h = await OwnerThenAttack();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var again = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.RateLimited, again.Status);
        Assert.Equal(3600, again.RetryAfterSeconds);
    }

    [Fact]
    public async Task AnOwner_VerifiesACodeOtherClientsHaveUsedUpTheTriesOf_AStrangerCannot()
    {
        var h = await OwnerThenAttack();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.CurrentCode(Address);
        await KillTheCode(h);
        Assert.Equal(h.Settings.MaxAttemptsAllClients, h.Store.Record(Address).Attempts);

        Assert.Equal(VerifyStatus.TooManyAttempts, (await h.Verifier.VerifyAsync(Address, code, "198.51.100.99", default)).Status);
        var wrong = await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: h.Settings.MaxAttempts - 1), wrong);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task AnOwner_IsStoppedByItsOwnTries()
    {
        var h = await OwnerThenAttack();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.CurrentCode(Address);
        for (var i = 0; i < h.Settings.MaxAttempts; i++)
        {
            await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), RuleHarness.Client, default);
        }

        Assert.Equal(VerifyStatus.TooManyAttempts, (await h.Verifier.VerifyAsync(Address, code, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task TheLane_EndsThirtyDaysAfterTheLastSuccess()
    {
        var h = await OwnerThenAttack();
        h.Advance(AbuseLimits.OwnerTrustSeconds - 3600 - 1);
        foreach (var attacker in Attackers)
        {
            await h.Issuer.IssueAsync(Address, attacker, default);
        }

        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        h.Advance(1);
        foreach (var attacker in Attackers)
        {
            await h.Issuer.IssueAsync(Address, attacker, default);
        }

        Assert.Equal(GenerateStatus.RateLimited, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public void IsOwner_OnlyForAClientThatVerified_AndOnlyWithinTheTrust()
    {
        var state = AddressState.Empty with { Owners = new Dictionary<string, long> { ["a"] = 1000 } };

        Assert.True(AbuseLimits.IsOwner(state, "a", 1000));
        Assert.True(AbuseLimits.IsOwner(state, "a", 1000 + AbuseLimits.OwnerTrustSeconds - 1));
        Assert.False(AbuseLimits.IsOwner(state, "a", 1000 + AbuseLimits.OwnerTrustSeconds));
        Assert.False(AbuseLimits.IsOwner(state, "b", 1000));
    }

    [Fact]
    public void OwnersAfterSuccess_KeepTheMostRecentTrusted_AtMostFour_WithTheNewOneAtNow()
    {
        const long now = 100_000_000;
        var state = AddressState.Empty with
        {
            Owners = new Dictionary<string, long>
            {
                ["old"] = now - AbuseLimits.OwnerTrustSeconds,
                ["o1"] = now - 10,
                ["o2"] = now - 20,
                ["o3"] = now - 30,
                ["o4"] = now - 40,
                ["me"] = now - 5,
            },
        };

        var owners = AbuseLimits.OwnersAfterSuccess(state, "me", now);

        Assert.Equal(new Dictionary<string, long> { ["me"] = now, ["o1"] = now - 10, ["o2"] = now - 20, ["o3"] = now - 30 }, owners);
    }

    [Fact]
    public void AfterSend_DropsOwnersNoLongerTrusted_AndKeepsTheRecordUntilTheLastTrustEnds()
    {
        const long now = 100_000_000;
        var settings = new OtpSettings();
        var state = AddressState.Empty with
        {
            Owners = new Dictionary<string, long> { ["old"] = now - AbuseLimits.OwnerTrustSeconds, ["recent"] = now - 10 },
        };

        var sent = AbuseLimits.AfterSend(state, "someone", now + 120, now, settings);

        Assert.Equal(new Dictionary<string, long> { ["recent"] = now - 10 }, sent.Owners);
        Assert.Equal(now - 10 + AbuseLimits.OwnerTrustSeconds + 3600, AbuseLimits.RecordKeepUntil(sent, settings));
    }

    [Fact]
    public async Task Success_PutsTheClientInTheLane_AFailureDoesNot()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), RuleHarness.OtherClient, default);
        Assert.Empty(h.Store.Record(Address).Owners);

        await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default);

        Assert.Equal(new Dictionary<string, long> { [h.Tagger.Client(RuleHarness.Client)] = h.Now }, h.Store.Record(Address).Owners);
    }
}
