using OtpService.Core.Rules;
using Xunit;
using OtpService.Core.Lambda;

namespace OtpService.Tests.Rules;

public class OtpSettingsTests
{
    [Theory]
    [InlineData(null, 4)]
    [InlineData("10", 4)]
    [InlineData("5", 4)]
    [InlineData("3", 2)]
    [InlineData("1", 1)]
    public void TheClientsDefaultShare_StaysBelowTheAddresssBucket(string? maxSendsPerHour, int share)
    {
        var settings = ServiceConfiguration.Read(name => name == "OTP_MAX_SENDS_PER_HOUR" ? maxSendsPerHour : null).Otp;

        Assert.Equal(share, settings.ClientMaxSendsPerAddressPerHour);
    }

    [Fact]
    public void FromVariables_UsesTheDesignDefaults()
    {
        var settings = ServiceConfiguration.Read(_ => null).Otp;

        Assert.Equal(("otp_holder", 120, 6, 5, 30, 5, "Simple Website"),
            (settings.TableName, settings.TtlSeconds, settings.CodeLength, settings.MaxAttempts, settings.ResendCooldownSeconds, settings.MaxSendsPerHour, settings.AppName));
        Assert.Equal((15, 10, 1_209_600, 10), (settings.MaxAttemptsAllClients, settings.FailuresBeforeLongCodes, settings.FailureForgiveSeconds, settings.LongCodeLength));
        Assert.Equal((120, 60, 30, 4, 30), (settings.ClientMaxRequestsPerHour, settings.ClientMaxAddressesPerHour, settings.ClientMaxFailuresPerHour, settings.ClientMaxSendsPerAddressPerHour, settings.MaxSendsPerMinute));
        Assert.True(settings.GenerateAllowsGet);
        Assert.False(settings.RequireVerificationId);
        Assert.Null(settings.ClientIpHeader);
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
            ["OTP_MAX_ATTEMPTS_ALL_CLIENTS"] = "9",
            ["OTP_FAILURES_BEFORE_LONG_CODES"] = "7",
            ["OTP_FAILURE_FORGIVE_SECONDS"] = "3600",
            ["OTP_LENGTH_UNDER_ATTACK"] = "9",
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = "40",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = "4",
            ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "30",
            ["OTP_CLIENT_MAX_SENDS_PER_ADDRESS_PER_HOUR"] = "3",
            ["OTP_MAX_SENDS_PER_MINUTE"] = "12",
            ["OTP_CLIENT_IP_HEADER"] = "X-Client-IP",
            ["OTP_GENERATE_ALLOW_GET"] = "false",
            ["OTP_REQUIRE_VERIFICATION_ID"] = "true",
            ["OTP_SENDER_ADDRESS"] = "from@example.com",
            ["OTP_APP_NAME"] = "Shop",
            ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "30",
        };

        var s = ServiceConfiguration.Read(env.GetValueOrDefault).Otp;

        Assert.Equal(("t", 300, 8, 3, 60, 10, "from@example.com", "Shop"),
            (s.TableName, s.TtlSeconds, s.CodeLength, s.MaxAttempts, s.ResendCooldownSeconds, s.MaxSendsPerHour, s.SenderAddress, s.AppName));
        Assert.Equal((9, 7, 3600, 9), (s.MaxAttemptsAllClients, s.FailuresBeforeLongCodes, s.FailureForgiveSeconds, s.LongCodeLength));
        Assert.Equal((40, 4, 30, 3, 12), (s.ClientMaxRequestsPerHour, s.ClientMaxAddressesPerHour, s.ClientMaxFailuresPerHour, s.ClientMaxSendsPerAddressPerHour, s.MaxSendsPerMinute));
        Assert.Equal(("X-Client-IP", false, true), (s.ClientIpHeader, s.GenerateAllowsGet, s.RequireVerificationId));
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
    [InlineData("OTP_AWS_TIMEOUT_CAP_SECONDS", "0")]
    [InlineData("OTP_AWS_TIMEOUT_CAP_SECONDS", "901")]
    [InlineData("OTP_AWS_TIMEOUT_CAP_SECONDS", "2.5")]
    [InlineData("OTP_GENERATE_ALLOW_GET", "yes")]
    [InlineData("OTP_REQUIRE_VERIFICATION_ID", "1")]
    [InlineData("OTP_MAX_SENDS_PER_MINUTE", "0")]
    [InlineData("OTP_FAILURE_FORGIVE_SECONDS", "59")]
    [InlineData("OTP_DEFAULT_LOCALE", "english")]
    [InlineData("OTP_DEFAULT_LOCALE", "en_US")]
    [InlineData("OTP_DEFAULT_LOCALE", "sw")]
    [InlineData("OTP_DEFAULT_LOCALE", "zh-TW")]
    public void FromVariables_RefusesOutOfRangeValuesNamingTheVariable(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceConfiguration.Read(n => n == name ? value : null).Otp);

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData("900", 900)]
    public void FromVariables_AcceptsTheFunctionTimeoutsLambdaAllows(string value, int expected) =>
        Assert.Equal(expected, ServiceConfiguration.Read(n => n == "OTP_FUNCTION_TIMEOUT_SECONDS" ? value : null).Otp.FunctionTimeoutSeconds);

    [Theory]
    [InlineData(null, null)]
    [InlineData(" ", null)]
    [InlineData("1", 1)]
    [InlineData("60", 60)]
    public void FromVariables_ReadsTheAwsTimeoutCap_UnsetMeaningAwsCaps(string? value, int? expected)
    {
        var settings = ServiceConfiguration.Read(n => n == "OTP_AWS_TIMEOUT_CAP_SECONDS" ? value : null).Otp;

        Assert.Equal(expected, settings.AwsTimeoutCapSeconds);
        Assert.Equal(InvocationBudget.ForTimeout(settings.FunctionTimeoutSeconds, expected), InvocationBudget.For(settings));
    }

    [Fact]
    public void FromVariables_ReadsTheCorsOrigin_AndTakesBlankAsUnset()
    {
        Assert.Equal("https://app.example.com", ServiceConfiguration.Read(n => n == "OTP_CORS_ALLOWED_ORIGIN" ? " https://app.example.com " : null).Otp.CorsAllowedOrigin);
        Assert.Null(ServiceConfiguration.Read(n => n == "OTP_CORS_ALLOWED_ORIGIN" ? "  " : null).Otp.CorsAllowedOrigin);
        Assert.Equal("otp_holder", ServiceConfiguration.Read(n => n == "OTP_TABLE_NAME" ? "" : null).Otp.TableName);
    }

    [Fact]
    public void FromVariables_WithoutAReader_Throws() =>
        Assert.Throws<ArgumentNullException>(() => ServiceConfiguration.Read(null!).Otp);

    [Theory]
    [InlineData("OTP_MAX_ATTEMPTS_ALL_CLIENTS", "4")] // fewer than one client's OTP_MAX_ATTEMPTS (5)
    [InlineData("OTP_LENGTH_UNDER_ATTACK", "5")]
    [InlineData("OTP_CLIENT_MAX_SENDS_PER_ADDRESS_PER_HOUR", "6")] // more than the address's OTP_MAX_SENDS_PER_HOUR (5)
    public void FromVariables_RefusesLimitsThatContradictEachOther(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceConfiguration.Read(n => n == name ? value : null).Otp);

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OTP_CLIENT_MAX_REQUESTS_PER_HOUR", "1000000")]
    [InlineData("OTP_CLIENT_MAX_FAILURES_PER_HOUR", "51073")]
    [InlineData("OTP_MAX_SENDS_PER_MINUTE", "100000")]
    public void FromVariables_RefusesALimitNoWindowItemCanHold_NamingTheVariableAndTheLargestThatFits(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceConfiguration.Read(n => n == name ? value : null).Otp);

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains("from 1 to 51072", error.Message, StringComparison.Ordinal);
        Assert.Contains("409,600-byte item limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromVariables_RefusesClientLimitsWhoseWindowTogetherCannotFitAnItem_NamingAllThreeAndTheLargestSum()
    {
        var env = new Dictionary<string, string>
        {
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = "40000",
            ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "20000",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = "1000",
        };

        var error = Assert.Throws<InvalidOperationException>(() => ServiceConfiguration.Read(env.GetValueOrDefault).Otp);

        // 1,024 + 60,000 × 8 + 1,000 × 11 bytes; (409,600 − 1,024 − 11,000) / 8 tokens fit.
        Assert.Contains("OTP_CLIENT_MAX_REQUESTS_PER_HOUR (40000)", error.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_CLIENT_MAX_FAILURES_PER_HOUR (20000)", error.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_CLIENT_MAX_ADDRESSES_PER_HOUR (1000)", error.Message, StringComparison.Ordinal);
        Assert.Contains("492,024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 49,697", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 51_070)]
    [InlineData(60, 50_989)]
    [InlineData(1000, 49_697)]
    public void FromVariables_AcceptsClientLimitsThatJustFit(int addresses, int tokens)
    {
        var env = new Dictionary<string, string>
        {
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = $"{tokens - 1}",
            ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "1",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = $"{addresses}",
        };

        Assert.Equal(tokens - 1, ServiceConfiguration.Read(env.GetValueOrDefault).Otp.ClientMaxRequestsPerHour);
        env["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "2";
        Assert.Throws<InvalidOperationException>(() => ServiceConfiguration.Read(env.GetValueOrDefault).Otp);
    }

    [Fact]
    public void TheDefaults_FitTheirWindowItems()
    {
        var d = new OtpSettings();

        Assert.Null(WindowCapacity.ClientWindowProblem(d.ClientMaxRequestsPerHour, d.ClientMaxFailuresPerHour, d.ClientMaxAddressesPerHour));
        Assert.InRange(d.MaxSendsPerMinute, 1, WindowCapacity.MaxTokens);
    }

    [Fact]
    public void FromVariables_LongCodesDefaultToNoShorterThanTheConfiguredLength()
    {
        Assert.Equal(10, ServiceConfiguration.Read(n => n == "OTP_LENGTH" ? "8" : null).Otp.LongCodeLength);
        Assert.Equal([8, 10], ServiceConfiguration.Read(n => n == "OTP_LENGTH" ? "8" : null).Otp.AcceptedCodeLengths);
        Assert.Equal([10], ServiceConfiguration.Read(n => n == "OTP_LENGTH" ? "10" : null).Otp.AcceptedCodeLengths);
    }

    [Theory]
    [InlineData(null, "en")]
    [InlineData("ja", "ja")]
    [InlineData(" PT-pt ", "pt-BR")]
    [InlineData("zh-CN", "zh-Hans")]
    [InlineData("ar-EG", "ar")]
    public void FromVariables_ReadsTheDefaultLocale_AsASupportedOne(string? value, string expected) =>
        Assert.Equal(expected, ServiceConfiguration.Read(n => n == "OTP_DEFAULT_LOCALE" ? value : null).Otp.DefaultLocale);
}
