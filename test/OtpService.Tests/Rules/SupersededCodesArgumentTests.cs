using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// Remember refuses a null list naming it (kills Stryker's mutant that removes the guard: LINQ
/// would then refuse it as "source", a name the caller never wrote).
/// </summary>
public class SupersededCodesArgumentTests
{
    [Fact]
    public void Remember_OfANullList_IsRefusedNamingTheList()
    {
        var issued = new StoredCode("user@example.com", 1_800_000_120, 1_800_000_000, new byte[16], 6);

        Assert.Equal("recent", Assert.Throws<ArgumentNullException>(() => SupersededCodes.Remember(null!, issued, 1_800_000_000)).ParamName);
    }
}
