using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

public class SupersededCodesTests
{
    private const string Address = "user@example.com";
    private const long Now = 1_800_000_000;
    private static readonly OtpKey KeyV1 = new("v1", Enumerable.Repeat((byte)1, 32).ToArray());
    private static readonly OtpKey KeyV2 = new("v2", Enumerable.Repeat((byte)2, 32).ToArray());

    private static RecentCode Recent(long expiresAt, byte fill, int digits = 6) => new(expiresAt, Enumerable.Repeat(fill, 16).ToArray(), digits);

    private static StoredCode Issued(long expiresAt, byte fill, int digits = 6) => new(Address, expiresAt, Now, Enumerable.Repeat(fill, 16).ToArray(), digits);

    private static AddressState State(params RecentCode[] recent) => AddressState.Empty with { Newest = recent[0].ExpiresAt, Recent = recent };

    private static string CodeOf(CodeDerivation codes, RecentCode r) => codes.Derive(codes.CurrentKeyVersion, Address, r.Nonce, r.Digits);

    [Fact]
    public void Remember_PutsTheIssuedCodeFirst_ThenAtMostTwoEarlierUnexpiredOnes()
    {
        var list = SupersededCodes.Remember([Recent(Now + 50, 3), Recent(Now + 20, 2), Recent(Now + 10, 1)], Issued(Now + 120, 4), Now);

        Assert.Equal([Now + 120, Now + 50, Now + 20], list.Select(r => r.ExpiresAt));
        Assert.Equal(Enumerable.Repeat((byte)4, 16), list[0].Nonce);
        Assert.Equal(SupersededCodes.Earlier + 1, list.Count);
    }

    [Fact]
    public void Remember_DropsCodesExpiredBeforeNow_ButKeepsOneExpiringThisSecond()
    {
        var list = SupersededCodes.Remember([Recent(Now, 2), Recent(Now - 1, 1)], Issued(Now + 120, 3, digits: 10), Now);

        Assert.Equal([Now + 120, Now], list.Select(r => r.ExpiresAt));
        Assert.Equal(10, list[0].Digits);
    }

    [Fact]
    public void Remember_FromNothing_HoldsTheIssuedCodeOnly()
    {
        Assert.Single(SupersededCodes.Remember([], Issued(Now + 120, 1), Now));
    }

    [Fact]
    public void IsEarlierCode_TellsEachRememberedEarlierCode_ButNotTheNewestNorAWrongOne()
    {
        var codes = TestKeys.Derivation();
        var state = State(Recent(Now + 120, 3), Recent(Now + 60, 2, digits: 10), Recent(Now + 30, 1));

        Assert.True(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, CodeOf(codes, state.Recent[1])));
        Assert.True(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, CodeOf(codes, state.Recent[2])));
        Assert.False(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, CodeOf(codes, state.Recent[0])));
        Assert.False(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, RuleHarness.Wrong(CodeOf(codes, state.Recent[2]))));
        Assert.False(SupersededCodes.IsEarlierCode(codes, "other@example.com", state, Now + 120, Now, CodeOf(codes, state.Recent[2])));
    }

    [Fact]
    public void IsEarlierCode_AnEarlierCodeCountsUntilItsExpirySecond_NotAfter()
    {
        var codes = TestKeys.Derivation();
        var state = State(Recent(Now + 120, 2), Recent(Now + 30, 1));
        var earlier = CodeOf(codes, state.Recent[1]);

        Assert.True(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now + 30, earlier));
        Assert.False(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now + 31, earlier));
    }

    [Fact]
    public void IsEarlierCode_OnlyTheRememberedOnes_AndNoneWithoutARecord()
    {
        var codes = TestKeys.Derivation();
        var third = Recent(Now + 10, 9);
        var state = State(Recent(Now + 120, 3), Recent(Now + 60, 2), Recent(Now + 30, 1), third);

        Assert.False(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, CodeOf(codes, third)));
        Assert.False(SupersededCodes.IsEarlierCode(codes, Address, AddressState.Empty with { Newest = Now + 120 }, Now + 120, Now, CodeOf(codes, third)));
    }

    [Fact]
    public void IsEarlierCode_AcceptsAnEarlierCodeMailedUnderThePreviousKey_NotUnderAnOlderOne()
    {
        var earlier = Recent(Now + 60, 2);
        var state = State(Recent(Now + 120, 3), earlier);
        var underV1 = Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", Address, earlier.Nonce, 6);
        var underV2 = Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).Derive("v2", Address, earlier.Nonce, 6);
        var rotated = Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), TimeProvider.System);
        var rotatedTwice = Derivations.Of(new OtpKeyRing(new OtpKey("v3", Enumerable.Repeat((byte)3, 32).ToArray()), KeyV2), TimeProvider.System);

        Assert.True(SupersededCodes.IsEarlierCode(rotated, Address, state, Now + 120, Now, underV1));
        Assert.True(SupersededCodes.IsEarlierCode(rotated, Address, state, Now + 120, Now, underV2));
        Assert.False(SupersededCodes.IsEarlierCode(rotatedTwice, Address, state, Now + 120, Now, underV1));
        Assert.True(SupersededCodes.IsEarlierCode(rotatedTwice, Address, state, Now + 120, Now, underV2));
    }

    [Fact]
    public void IsEarlierCode_DerivesEachEarlierCodeWithItsOwnDigits()
    {
        var codes = TestKeys.Derivation();
        var earlier = Recent(Now + 60, 2, digits: 6);
        var state = State(Recent(Now + 120, 3, digits: 10), earlier);
        var tenDigitsOfASixDigitCode = codes.Derive(OtpKey.LocalVersion, Address, earlier.Nonce, 10);

        Assert.False(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, tenDigitsOfASixDigitCode));
        Assert.True(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, CodeOf(codes, earlier)));
    }

    [Fact]
    public void IsEarlierCode_OneMatchIsEnough_EvenIfTwoSlotsHoldTheSameCode()
    {
        var codes = TestKeys.Derivation();
        var state = State(Recent(Now + 120, 3), Recent(Now + 60, 2), Recent(Now + 30, 2));

        Assert.True(SupersededCodes.IsEarlierCode(codes, Address, state, Now + 120, Now, CodeOf(codes, state.Recent[1])));
    }

    [Fact]
    public void NullArguments_AreRefused()
    {
        var state = State(Recent(Now + 120, 3));

        Assert.Throws<ArgumentNullException>(() => SupersededCodes.IsEarlierCode(null!, Address, state, Now + 120, Now, "123456"));
        Assert.Throws<ArgumentNullException>(() => SupersededCodes.IsEarlierCode(TestKeys.Derivation(), Address, null!, Now + 120, Now, "123456"));
        Assert.Throws<ArgumentNullException>(() => SupersededCodes.IsEarlierCode(TestKeys.Derivation(), Address, state, Now + 120, Now, null!));
        Assert.Throws<ArgumentNullException>(() => SupersededCodes.Remember(null!, Issued(Now, 1), Now));
        Assert.Throws<ArgumentNullException>(() => SupersededCodes.Remember([], null!, Now));
    }
}
