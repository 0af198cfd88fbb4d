using OtpService.Core.Otp;
using Xunit;

namespace OtpService.Tests.Unit;

public class OtpSettingsTests
{
    [Fact]
    public void FromVariables_UsesTheDesignDefaults()
    {
        var settings = OtpSettings.FromVariables(_ => null);

        Assert.Equal(("otp_holder", 120, 6, 5, 30, 5, 100, "Simple Website"),
            (settings.TableName, settings.TtlSeconds, settings.CodeLength, settings.MaxAttempts, settings.ResendCooldownSeconds, settings.MaxSendsPerHour, settings.MaxFailuresPerDay, settings.AppName));
        Assert.Null(settings.SenderAddress);
        Assert.Equal(10, settings.FunctionTimeoutSeconds);
    }

    [Fact]
    public void FromVariables_ReadsEveryVariable()
    {
        var env = new Dictionary<string, string>
        {
            ["OTP_TABLE_NAME"] = "t",
            ["OTP_TTL_SECONDS"] = "300",
            ["OTP_LENGTH"] = "8",
            ["OTP_MAX_ATTEMPTS"] = "3",
            ["OTP_RESEND_COOLDOWN_SECONDS"] = "60",
            ["OTP_MAX_SENDS_PER_HOUR"] = "10",
            ["OTP_MAX_FAILURES_PER_DAY"] = "50",
            ["OTP_SENDER_ADDRESS"] = "from@example.com",
            ["OTP_APP_NAME"] = "Shop",
            ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "30",
        };

        var s = OtpSettings.FromVariables(env.GetValueOrDefault);

        Assert.Equal(("t", 300, 8, 3, 60, 10, 50, "from@example.com", "Shop"),
            (s.TableName, s.TtlSeconds, s.CodeLength, s.MaxAttempts, s.ResendCooldownSeconds, s.MaxSendsPerHour, s.MaxFailuresPerDay, s.SenderAddress, s.AppName));
        Assert.Equal(30, s.FunctionTimeoutSeconds);
    }

    [Theory]
    [InlineData("OTP_LENGTH", "5")]
    [InlineData("OTP_LENGTH", "11")]
    [InlineData("OTP_TTL_SECONDS", "two minutes")]
    [InlineData("OTP_MAX_ATTEMPTS", "0")]
    [InlineData("OTP_MAX_SENDS_PER_HOUR", "-1")]
    [InlineData("OTP_FUNCTION_TIMEOUT_SECONDS", "2")]
    [InlineData("OTP_FUNCTION_TIMEOUT_SECONDS", "901")]
    public void FromVariables_RefusesOutOfRangeValuesNamingTheVariable(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => OtpSettings.FromVariables(n => n == name ? value : null));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData("900", 900)]
    public void FromVariables_AcceptsTheFunctionTimeoutsLambdaAllows(string value, int expected) =>
        Assert.Equal(expected, OtpSettings.FromVariables(n => n == "OTP_FUNCTION_TIMEOUT_SECONDS" ? value : null).FunctionTimeoutSeconds);

    [Fact]
    public void FromVariables_ReadsTheCorsOrigin_AndTakesBlankAsUnset()
    {
        Assert.Equal("https://app.example.com", OtpSettings.FromVariables(n => n == "OTP_CORS_ALLOWED_ORIGIN" ? " https://app.example.com " : null).CorsAllowedOrigin);
        Assert.Null(OtpSettings.FromVariables(n => n == "OTP_CORS_ALLOWED_ORIGIN" ? "  " : null).CorsAllowedOrigin);
        Assert.Equal("otp_holder", OtpSettings.FromVariables(n => n == "OTP_TABLE_NAME" ? "" : null).TableName);
    }

    [Fact]
    public void HistorySeconds_IsTheFailureWindowPlusOneCodeLifetime() =>
        Assert.Equal(86_400 + 300, new OtpSettings { TtlSeconds = 300 }.HistorySeconds);

    [Fact]
    public void FromVariables_WithoutAReader_Throws() =>
        Assert.Throws<ArgumentNullException>(() => OtpSettings.FromVariables(null!));
}
