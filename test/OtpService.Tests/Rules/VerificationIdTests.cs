using System.Security.Cryptography;
using System.Text;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

public class VerificationIdTests
{
    [Fact]
    public void New_Is128RandomBitsAs22Base64UrlCharacters_StoredAsItsSha256()
    {
        var (id, hash) = VerificationId.New();

        Assert.Equal(22, id.Length);
        Assert.Equal(16, System.Buffers.Text.Base64Url.DecodeFromChars(id).Length);
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(id)), hash);
        Assert.Equal(VerificationId.HashBytes, hash.Length);
        Assert.Equal(id, VerificationId.TryParse(id, out _));
    }

    [Fact]
    public void New_NeverRepeats()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => VerificationId.New().Id).ToHashSet();

        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public void Belongs_OnlyToTheCodeIssuedWithIt()
    {
        var (id, hash) = VerificationId.New();
        var (other, otherHash) = VerificationId.New();

        Assert.True(VerificationId.Belongs(id, hash));
        Assert.False(VerificationId.Belongs(other, hash));
        Assert.False(VerificationId.Belongs(id, otherHash));
        Assert.False(VerificationId.Belongs(id, null));
        Assert.False(VerificationId.Belongs(id, hash[..16]));
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "", "is empty" },
        { "AAAAAAAAAAAAAAAAAAAAA", "22 characters" },
        { "AAAAAAAAAAAAAAAAAAAAAAA", "22 characters" },
        { "AAAAAAAAAAAAAAAAAAAA==", "22 characters" },
        { "AAAAAAAAAAAAAAAAAAAA+/", "22 characters" },
        { "AAAAAAAAAAAAAAAAAAAAA ", "22 characters" },
        { "ＡAAAAAAAAAAAAAAAAAAAAA", "22 characters" },
        { "AAAAAAAAAAAAAAAAAAAAA\0", "22 characters" },
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "22 characters" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_RefusesWhatGenerateNeverGives_SayingWhy(string raw, string why)
    {
        Assert.Null(VerificationId.TryParse(raw, out var reason));
        Assert.Contains(why, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_RefusesAHugeValue_WithoutEchoingIt()
    {
        var huge = new string('A', 100_000);

        Assert.Null(VerificationId.TryParse(huge, out var reason));
        Assert.True(reason.Length < 200);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("0123456789-_abcdefghij")]
    public void TryParse_TakesEveryBase64UrlCharacter(string raw)
    {
        Assert.Equal(raw, VerificationId.TryParse(raw, out var reason));
        Assert.Equal("", reason);
    }
}
