using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// Generate's give-back of the send budget after a refusal is awaited before the answer, so it is
/// not left running when Lambda freezes the process and its failure is not unseen (as verify's
/// give-back after a right code: <see cref="OtpVerifierWritesTests"/>).
/// </summary>
public class OtpIssuerWritesTests
{
    private const string Address = "user@example.com";

    [Fact]
    public async Task ARefusal_WhoseBudgetCannotBeGivenBack_ReportsTheStoreFailure_NotASilentRefusal()
    {
        var h = new RuleHarness();
        Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(Address, RuleHarness.Client, default)).Status);
        var store = new FailingGiveBackStore(h.Store);
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);

        // In the cooldown: refused after the budget was taken, so the budget is given back.
        var failure = await Assert.ThrowsAsync<DependencyException>(() => issuer.IssueAsync(Address, RuleHarness.Client, default));

        Assert.Same(store.Failure, failure);
        Assert.Equal(1, store.GiveBacks);
    }
}
