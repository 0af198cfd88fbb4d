using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Unit;

/// <summary>
/// The rules' argument guards: a null or out-of-range argument is refused at once, naming the
/// parameter, rather than failing later as a NullReferenceException or naming something else
/// (survivors of the 2026-12-08 whole-layer mutation run: docs/mutation.md).
/// </summary>
public sealed class RuleArgumentTests
{
    private static readonly OtpSettings Settings = new();
    private static readonly AddressState State = AddressState.Empty;

    [Fact]
    public void AbuseLimits_RefuseANullStateOrSettings_NamingIt()
    {
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => AbuseLimits.IsOwner(null!, "c", 0)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => AbuseLimits.OwnersAfterSuccess(null!, "c", 0)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => AbuseLimits.SendWait(null!, "c", 0, Settings)).ParamName);
        Assert.Equal("settings", Assert.Throws<ArgumentNullException>(() => AbuseLimits.SendWait(State, "c", 0, null!)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => AbuseLimits.AfterSend(null!, "c", 1, 0, Settings)).ParamName);
        Assert.Equal("settings", Assert.Throws<ArgumentNullException>(() => AbuseLimits.AfterSend(State, "c", 1, 0, null!)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => AbuseLimits.DigitsFor(null!, 0, Settings)).ParamName);
        Assert.Equal("settings", Assert.Throws<ArgumentNullException>(() => AbuseLimits.DigitsFor(State, 0, null!)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => AbuseLimits.RecordKeepUntil(null!, Settings)).ParamName);
        Assert.Equal("settings", Assert.Throws<ArgumentNullException>(() => AbuseLimits.RecordKeepUntil(State, null!)).ParamName);
    }

    [Fact]
    public void InvocationBudget_RefusesATimeoutOrCapUnderOneSecond_AndNullArguments_NamingThem()
    {
        Assert.Equal("functionTimeoutSeconds", Assert.Throws<ArgumentOutOfRangeException>(() => InvocationBudget.ForTimeout(0)).ParamName);
        Assert.Equal("timeoutCapSeconds", Assert.Throws<ArgumentOutOfRangeException>(() => InvocationBudget.ForTimeout(10, 0)).ParamName);
        Assert.Equal("settings", Assert.Throws<ArgumentNullException>(() => InvocationBudget.For(null!)).ParamName);
        Assert.Equal("clock", Assert.Throws<ArgumentNullException>(() => InvocationBudget.ForTimeout(10).Start(null!)).ParamName);
    }

    [Fact]
    public void MailTemplates_RefuseNullSourcesWordsOrValues_NamingThem()
    {
        var words = MailTexts.For(null, "App", 120);
        var values = new MailValues("012345", "user@example.com", "App", null);

        Assert.Equal("sources", Assert.Throws<ArgumentNullException>(() => MailTemplates.Parse(null!)).ParamName);
        Assert.Equal("words", Assert.Throws<ArgumentNullException>(() => MailTemplates.BuiltIn.Render(null!, values)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => MailTemplates.BuiltIn.Render(words, null!)).ParamName);
    }
}
