using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

public class OtpEmailTests
{
    [Fact]
    public void Compose_KeepsTheSeedWordsForTheDefaults()
    {
        var mail = OtpEmail.Compose("no-reply@example.com", "user@example.com", "012345", 120, new OtpSettings());

        Assert.Equal("Your OTP (valid for only 2 mins)!", mail.Subject);
        // The layout (MailLayout/html.liquid) puts the intro in its own table cell.
        Assert.Contains("Use this code to verify your login at Simple Website</td>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("012345", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Use this code to verify your login at Simple Website", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("012345", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(("no-reply@example.com", "user@example.com"), (mail.From, mail.To));
    }

    [Fact]
    public void Compose_HtmlEncodesTheAppNameInTheHtmlPartOnly()
    {
        var settings = new OtpSettings { AppName = "<b>Tom & Jerry</b>" };

        var mail = OtpEmail.Compose("f@example.com", "t@example.com", "123456", 120, settings);

        Assert.Contains("&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Tom", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<b>Tom & Jerry</b>", mail.TextBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(120, "2 mins")]
    [InlineData(60, "1 min")]
    [InlineData(600, "10 mins")]
    [InlineData(90, "90 seconds")]
    public void Lifetime_IsTheOneGiven_NotTheConfiguredTtl(int seconds, string expected)
    {
        Assert.Equal(expected, OtpEmail.Lifetime(seconds));
        // The settings' TTL (300 s here) never shows: the words come from the code's own lifetime.
        var mail = OtpEmail.Compose("f@example.com", "t@example.com", "123456", seconds, new OtpSettings { TtlSeconds = 300 });
        Assert.Equal($"Your OTP (valid for only {expected})!", mail.Subject);
        Assert.Contains($"The code is valid for {expected}.", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"The code is valid for {expected}.", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_WithoutSettings_Throws() =>
        Assert.Throws<ArgumentNullException>(() => OtpEmail.Compose("f@example.com", "t@example.com", "123456", 120, null!));
}
