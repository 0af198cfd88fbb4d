using System.Text;
using OtpService.Core.Otp;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

public class OtpCodeTests
{
    private static readonly byte[] Nonce = Convert.FromHexString("00112233445566778899aabbccddeeff");

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(10)]
    public void Derive_GivesDigitsOfTheConfiguredLength(int digits)
    {
        var code = TestKeys.Codes().Derive("user@example.com", Nonce, digits);

        Assert.Equal(digits, code.Length);
        Assert.True(code.All(char.IsAsciiDigit), code);
    }

    [Fact]
    public void Derive_IsStableForTheSameKeyNonceAndAddress()
    {
        Assert.Equal(TestKeys.Codes().Derive("user@example.com", Nonce, 6), TestKeys.Codes().Derive("user@example.com", Nonce, 6));
    }

    [Fact]
    public void Derive_DependsOnKeyAddressAndNonce()
    {
        var codes = TestKeys.Codes();
        var otherKey = new OtpCode(Encoding.UTF8.GetBytes(new string('k', 40)));
        var baseline = codes.Derive("user@example.com", Nonce, 10);

        Assert.NotEqual(baseline, otherKey.Derive("user@example.com", Nonce, 10));
        Assert.NotEqual(baseline, codes.Derive("other@example.com", Nonce, 10));
        Assert.NotEqual(baseline, codes.Derive("user@example.com", OtpCode.NewNonce(), 10));
    }

    [Fact]
    public void Derive_KeepsLeadingZeros()
    {
        var codes = TestKeys.Codes();
        // About one nonce in ten gives a code starting with 0; 500 tries miss one with odds 10^-23.
        var withLeadingZero = Enumerable.Range(0, 500).Select(_ => codes.Derive("user@example.com", OtpCode.NewNonce(), 6)).FirstOrDefault(c => c[0] == '0');

        Assert.NotNull(withLeadingZero);
        Assert.Equal(6, withLeadingZero.Length);
    }

    [Fact]
    public void Derive_SpreadsCodesEvenlyOverDigits()
    {
        var codes = TestKeys.Codes();
        var counts = new int[10];
        for (var i = 0; i < 20_000; i++)
        {
            counts[codes.Derive("user@example.com", OtpCode.NewNonce(), 6)[5] - '0']++;
        }

        // 2,000 expected per digit; 6 standard deviations (~255) is far outside chance.
        Assert.All(counts, count => Assert.InRange(count, 1_700, 2_300));
    }

    [Fact]
    public void Matches_AcceptsOnlyTheDerivedCode()
    {
        var codes = TestKeys.Codes();
        var code = codes.Derive("user@example.com", Nonce, 6);
        var wrong = ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(codes.Matches("user@example.com", Nonce, 6, code));
        Assert.False(codes.Matches("user@example.com", Nonce, 6, wrong));
        Assert.False(codes.Matches("user@example.com", Nonce, 6, code + "0"));
        Assert.False(codes.Matches("user@example.com", Nonce, 6, ""));
    }

    [Fact]
    public void NewNonce_IsSixteenFreshRandomBytes()
    {
        var nonces = Enumerable.Range(0, 100).Select(_ => Convert.ToHexString(OtpCode.NewNonce())).ToHashSet();

        Assert.Equal(100, nonces.Count);
        Assert.All(nonces, n => Assert.Equal(OtpCode.NonceBytes * 2, n.Length));
    }

    [Fact]
    public void Constructor_RefusesAShortKey()
    {
        Assert.Throws<ArgumentException>(() => new OtpCode(new byte[16]));
    }
}
