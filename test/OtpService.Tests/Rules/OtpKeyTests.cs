using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>The one key-length rule, as the deployer meets it (kills Stryker's empty-message mutant of the refusal).</summary>
public class OtpKeyTests
{
    [Fact]
    public void AKeyShorterThan32Bytes_IsRefused_SayingTheLengthItMustHave()
    {
        var refused = Assert.Throws<ArgumentException>(() => new OtpKey("v1", new byte[OtpKey.MinBytes - 1]));

        Assert.Equal("material", refused.ParamName);
        Assert.StartsWith("The signing key must be at least 32 bytes.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyOf32Bytes_IsTaken()
    {
        var key = new OtpKey("v1", new byte[OtpKey.MinBytes]);

        Assert.Equal(OtpKey.MinBytes, key.Material.Length);
    }
}
