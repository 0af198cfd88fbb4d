using System.Buffers.Text;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

public class IdempotencyTokenTests
{
    [Fact]
    public void New_IsEightBase64UrlCharacters_OfSixRandomBytes_AndFresh()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => IdempotencyToken.New()).ToList();

        Assert.All(tokens, t =>
        {
            Assert.Equal(IdempotencyToken.Length, t.Length);
            Assert.Equal(6, Base64Url.DecodeFromChars(t).Length);
        });
        Assert.Equal(tokens.Count, tokens.Distinct(StringComparer.Ordinal).Count());
    }
}
