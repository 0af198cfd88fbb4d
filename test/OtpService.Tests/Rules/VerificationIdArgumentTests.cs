using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// A null id is refused naming the argument, before any work (kills Stryker's mutants that remove
/// the two guards: without them the hash refuses it as "s", and the parse with a NullReferenceException).
/// </summary>
public class VerificationIdArgumentTests
{
    [Fact]
    public void Hash_OfNull_IsRefusedNamingTheId()
    {
        Assert.Equal("id", Assert.Throws<ArgumentNullException>(() => VerificationId.Hash(null!)).ParamName);
    }

    [Fact]
    public void TryParse_OfNull_IsRefusedNamingTheRawValue()
    {
        Assert.Equal("raw", Assert.Throws<ArgumentNullException>(() => VerificationId.TryParse(null!, out _)).ParamName);
    }
}
