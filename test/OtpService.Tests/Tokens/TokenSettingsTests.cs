using OtpService.Core.Lambda;
using OtpService.Core.Tokens;
using Xunit;

namespace OtpService.Tests.Tokens;

public class TokenSettingsTests
{
    private static TokenSettings Read(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return ServiceConfiguration.Read(map.GetValueOrDefault).Tokens;
    }

    [Fact]
    public void Defaults_AreNoIssuer_NoAudience_And300Seconds()
    {
        var settings = Read();

        Assert.Null(settings.Issuer);
        Assert.Null(settings.Audience);
        Assert.Equal(300, settings.LifetimeSeconds);
    }

    [Theory]
    [InlineData("https://auth.example.com/", "https://auth.example.com")]
    [InlineData(" http://127.0.0.1:3000 ", "http://127.0.0.1:3000")]
    [InlineData("https://api.example.com/otp", "https://api.example.com/otp")]
    public void TheIssuer_IsOneUrlForm(string value, string expected) =>
        Assert.Equal(expected, Read(("OTP_TOKEN_ISSUER", value)).Issuer);

    [Theory]
    [InlineData("OTP_TOKEN_ISSUER", "auth.example.com")]
    [InlineData("OTP_TOKEN_ISSUER", "ftp://auth.example.com")]
    [InlineData("OTP_TOKEN_ISSUER", "https://auth.example.com/?x=1")]
    [InlineData("OTP_TOKEN_LIFETIME_SECONDS", "29")]
    [InlineData("OTP_TOKEN_LIFETIME_SECONDS", "3601")]
    [InlineData("OTP_TOKEN_LIFETIME_SECONDS", "five")]
    public void BadValues_StopTheColdStart_NamingTheVariable(string name, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((name, value)));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("3600", 3600)]
    public void TheLifetime_TakesItsRange(string value, int expected) =>
        Assert.Equal(expected, Read(("OTP_TOKEN_LIFETIME_SECONDS", value)).LifetimeSeconds);

    [Fact]
    public void TheAudience_IsTakenAsGiven() =>
        Assert.Equal("my-client-id", Read(("OTP_TOKEN_AUDIENCE", " my-client-id ")).Audience);

    private static ApiGatewayRequest Event(string? domain, string? stage, string resource = "/otp/verify") => new()
    {
        Resource = resource,
        RequestContext = new ApiGatewayRequestContext { DomainName = domain, Stage = stage },
    };

    [Theory]
    [InlineData("abc123.execute-api.eu-west-1.amazonaws.com", "Prod", "https://abc123.execute-api.eu-west-1.amazonaws.com/Prod")]
    [InlineData("abc123.execute-api.eu-west-1.amazonaws.com", "$default", "https://abc123.execute-api.eu-west-1.amazonaws.com")]
    [InlineData("auth.example.com", null, "https://auth.example.com")]
    public void TheIssuer_IsTheApisBaseUrl_WhenNotConfigured(string domain, string? stage, string expected) =>
        Assert.Equal(expected, Routes.IssuerFor(Event(domain, stage), new TokenSettings()));

    [Fact]
    public void AConfiguredIssuer_Wins_AndWithoutOneAnEventWithoutDomainIsAnError()
    {
        Assert.Equal("https://auth.example.com", Routes.IssuerFor(Event(null, null), new TokenSettings { Issuer = "https://auth.example.com" }));
        var error = Assert.Throws<InvalidOperationException>(() => Routes.IssuerFor(Event(null, "Prod"), new TokenSettings()));
        Assert.Contains("OTP_TOKEN_ISSUER", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheJwksRoute_IsRecognisedInBothPayloadFormats()
    {
        Assert.True(Routes.IsJwksRequest(Event("d", "Prod", "/.well-known/jwks.json")));
        Assert.True(Routes.IsJwksRequest(new ApiGatewayRequest { Version = "2.0", RouteKey = "GET /.well-known/jwks.json", RawPath = "/.well-known/jwks.json" }));
        Assert.False(Routes.IsJwksRequest(Event("d", "Prod")));
        Assert.False(Routes.IsJwksRequest(new ApiGatewayRequest { Version = "2.0", RouteKey = "GET /otp/verify", RawPath = "/.well-known/jwks.json" }));
    }
}
