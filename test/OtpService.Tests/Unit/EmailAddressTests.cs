using OtpService.Core.Otp;
using Xunit;

namespace OtpService.Tests.Unit;

public class EmailAddressTests
{
    [Theory]
    [InlineData("user@example.com", "user@example.com")]
    [InlineData("  User.Name+Tag@Example.COM \t", "user.name+tag@example.com")]
    public void TryNormalize_TrimsAndLowerCases(string raw, string expected)
    {
        Assert.Equal(expected, EmailAddress.TryNormalize(raw, out var reason));
        Assert.Equal("", reason);
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("   ", "is required")]
    [InlineData("userexample.com", "exactly one '@'")]
    [InlineData("a@b@example.com", "exactly one '@'")]
    [InlineData("@example.com", "nothing before")]
    [InlineData("user@localhost", "domain with a dot")]
    [InlineData("user@example..com", "domain with a dot")]
    [InlineData("user@example.com.", "domain with a dot")]
    [InlineData("us er@example.com", "spaces")]
    [InlineData("user@example.com\r\nBcc: victim@example.com", "line breaks")]
    [InlineData("user\u0000@example.com", "control characters")]
    public void TryNormalize_RefusesWithTheReason(string? raw, string reasonPart)
    {
        Assert.Null(EmailAddress.TryNormalize(raw, out var reason));
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_RefusesTooLongAddressAndLocalPart()
    {
        Assert.Null(EmailAddress.TryNormalize(new string('a', 65) + "@example.com", out var local));
        Assert.Contains("64", local, StringComparison.Ordinal);
        Assert.Null(EmailAddress.TryNormalize("a@" + new string('b', 250) + ".com", out var total));
        Assert.Contains("254", total, StringComparison.Ordinal);
        Assert.NotNull(EmailAddress.TryNormalize(new string('a', 64) + "@example.com", out _));
    }
}
