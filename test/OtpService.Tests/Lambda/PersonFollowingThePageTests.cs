using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Issue 19: asking again never costs a person more than a few minutes. A person who uses the
/// sign-in page as it tells them to (two tabs, "Send a new code" once the page lets them, a
/// mistyped address and then the right one), from one IP with nobody else about, waits at most 5
/// minutes for any code, following each Retry-After as the page counts it down. Before, the
/// third code for one address from one IP within the hour waited about half an hour (the
/// client's share was 2 an hour).
/// </summary>
public sealed class PersonFollowingThePageTests
{
    private const int MostAPersonWaits = 300;
    private const string Address = "pat@example.com";

    [Fact]
    public async Task TwoTabs_EachAskingAgainOnce_NeverWaitMoreThanFiveMinutes()
    {
        var person = new Person(new RuleHarness());

        var tabA = await person.AskAsync(Address);
        var tabB = await person.AskAsync(Address);
        // Tab A follows its "Send a new code" link (after the page's own cooldown), then tab B does.
        await person.AskAsync(Address, notBefore: tabA + person.Cooldown);
        await person.AskAsync(Address, notBefore: tabB + person.Cooldown);

        Assert.Equal(4, person.CodesSent);
        Assert.InRange(person.LongestWait, 0, MostAPersonWaits);
    }

    [Fact]
    public async Task TheIssuesTwoTabExample_TheThirdCodeFromOneIp_IsSentAfterTheCooldownOnly()
    {
        var h = new RuleHarness();
        var person = new Person(h);
        await person.AskAsync(Address);
        await person.AskAsync(Address);

        // The third code for the address from one IP within the hour (the refusal said "29 minutes 4 seconds"), after the cooldown.
        h.Advance(h.Settings.ResendCooldownSeconds);
        var third = await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.Sent, third.Status);
    }

    [Fact]
    public async Task ResendsAfterTheCooldown_NeverWaitMoreThanFiveMinutes()
    {
        var person = new Person(new RuleHarness());

        var sent = await person.AskAsync(Address);
        for (var resend = 0; resend < 3; resend++)
        {
            sent = await person.AskAsync(Address, notBefore: sent + person.Cooldown);
        }

        Assert.Equal(4, person.CodesSent);
        Assert.InRange(person.LongestWait, 0, MostAPersonWaits);
    }

    [Fact]
    public async Task AMistypedAddress_ThenTheRightOneInTwoTabs_NeverWaitMoreThanFiveMinutes()
    {
        var person = new Person(new RuleHarness());

        await person.AskAsync("pat@exmaple.com");
        var right = await person.AskAsync(Address, notBefore: person.Now + 10);
        var otherTab = await person.AskAsync(Address);
        await person.AskAsync(Address, notBefore: right + person.Cooldown);
        await person.AskAsync(Address, notBefore: otherTab + person.Cooldown);

        Assert.Equal(5, person.CodesSent);
        Assert.InRange(person.LongestWait, 0, MostAPersonWaits);
    }

    [Fact]
    public async Task TheCooldownAfterAnotherTabsCode_IsAnsweredAsACooldown_InPlainWords()
    {
        var h = new RuleHarness();
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        h.Advance(5);

        var answer = OtpService.Core.Lambda.ApiResponses.For(await h.Issuer.IssueAsync(Address, RuleHarness.Client, default));

        Assert.Equal((429, "rate_limited", 25), (answer.StatusCode, answer.Body.Status, answer.Body.RetryAfterSeconds));
        Assert.StartsWith("A code was just sent to this address.", answer.Body.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Too many", answer.Body.Message, StringComparison.Ordinal);
    }

    /// <summary>One person at one IP: asks, and when refused waits the Retry-After (as the page counts it down) and asks again.</summary>
    private sealed class Person(RuleHarness h)
    {
        public int CodesSent { get; private set; }

        public int LongestWait { get; private set; }

        public long Now => h.Now;

        /// <summary>How long the page holds its "Send a new code" link after its own code (config.js: resendCooldownSeconds).</summary>
        public int Cooldown => h.Settings.ResendCooldownSeconds;

        /// <summary>Asks for a code at <paramref name="notBefore"/> or now, whichever is later; returns when it was sent.</summary>
        public async Task<long> AskAsync(string address, long notBefore = 0)
        {
            if (notBefore > h.Now)
            {
                h.Advance((int)(notBefore - h.Now));
            }

            for (var tries = 0; tries < 10; tries++)
            {
                var outcome = await h.Issuer.IssueAsync(address, RuleHarness.Client, default);
                if (outcome.Status == GenerateStatus.Sent)
                {
                    CodesSent++;
                    return h.Now;
                }

                var wait = outcome.RetryAfterSeconds ?? throw new InvalidOperationException($"{outcome.Status} without Retry-After");
                LongestWait = Math.Max(LongestWait, wait);
                h.Advance(wait);
            }

            throw new InvalidOperationException("still refused after ten waits");
        }
    }
}
