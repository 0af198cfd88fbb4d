using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The rules' argument guards: a null or out-of-range argument is refused at once, naming the
/// parameter, rather than failing later as a NullReferenceException or naming something else
/// (survivors of the 2026-12-08 whole-layer mutation run: docs/mutation.md).
/// </summary>
public sealed class RuleArgumentTests
{
    private static readonly OtpSettings Settings = new();
    private static readonly AddressState State = AddressState.Empty;
    private static readonly StoredCode Code = new("user@example.com", 1, 0, new byte[16], 6);

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

    [Fact]
    public async Task CountedWrites_RefuseANullStore_NamingIt()
    {
        // A whole count, so without the guard the null store fails later, as a NullReferenceException.
        var count = new WindowCount(new WindowKey("client#cTag", 3600), WindowCounter.Requests, "t", 10, null, 0, 7200);
        var owners = new Dictionary<string, long>();

        Assert.Equal("store", (await Assert.ThrowsAsync<ArgumentNullException>(() => CountedWrites.IssueAsync(null!, Code, State, 0, 1, 1, "t", count, default))).ParamName);
        Assert.Equal("store", (await Assert.ThrowsAsync<ArgumentNullException>(() => CountedWrites.RecordWrongGuessAsync(null!, Code.Address, 1, "c", 5, 15, 0, "t", count, default))).ParamName);
        Assert.Equal("store", (await Assert.ThrowsAsync<ArgumentNullException>(() => CountedWrites.MarkUsedAsync(null!, Code.Address, 1, "c", 5, 15, 0, owners, "t", count, default))).ParamName);
    }

    [Fact]
    public async Task CountedWrites_RefuseANullCount_NamingIt_ThroughTheInterfacesCountedWrites()
    {
        // The in-memory store keeps the interface's counted writes (CountedWrites), as a store without transactions does.
        IOtpStore store = new InMemoryOtpStore();
        var owners = new Dictionary<string, long>();

        Assert.Equal("count", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.TryIssueCountedAsync(Code, State, 0, 1, 1, "t", null!, default))).ParamName);
        Assert.Equal("count", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.TryRecordWrongGuessCountedAsync(Code.Address, 1, "c", 5, 15, 0, 0, "t", null!, default))).ParamName);
        Assert.Equal("count", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.TryMarkUsedCountedAsync(Code.Address, 1, "c", 5, 15, 0, owners, "t", null!, default))).ParamName);
    }
}
