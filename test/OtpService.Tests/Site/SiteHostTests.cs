using System.Text.Json;
using OtpService.Core.Rules;
using OtpService.Local.Site;
using Xunit;

namespace OtpService.Tests.Site;

/// <summary>What the runner tells the page (config.js) and the user (a refused page) at start; no browser needed.</summary>
public sealed class SiteHostTests
{
    private const string Page = "http://127.0.0.1:3101";

    [Fact]
    public void RefusedPageNote_IsNull_WhenThePreflightAndTheFunctionsAllowThePage()
    {
        Assert.Null(SiteHost.RefusedPageNote(3101, Page, Page));
        Assert.Null(SiteHost.RefusedPageNote(3101, Page, $" {Page} "));
    }

    [Theory]
    [InlineData("https://app.example.com", "https://app.example.com", "the preflight", "the functions'")]
    [InlineData(Page, "https://app.example.com", "the functions'", null)]
    [InlineData("https://app.example.com", Page, "the preflight", null)]
    [InlineData(null, null, "allows no origin", null)]
    [InlineData(Page + "/", Page, "the preflight", null)]
    [InlineData("http://localhost:3101", Page, "the preflight", null)]
    public void RefusedPageNote_NamesEachSideThatRefusesThePage(string? preflight, string? functions, string named, string? alsoNamed)
    {
        var note = SiteHost.RefusedPageNote(3101, preflight, functions);

        Assert.NotNull(note);
        Assert.Contains(Page, note, StringComparison.Ordinal);
        Assert.Contains(named, note, StringComparison.Ordinal);
        Assert.Contains("OTP_CORS_ALLOWED_ORIGIN", note, StringComparison.Ordinal);
        if (alsoNamed is not null)
        {
            Assert.Contains(alsoNamed, note, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ConfigScript_CarriesThisRunsApi_Settings_AndVerifyOtpsIssuerAndAudience()
    {
        var verify = new Dictionary<string, string> { ["OTP_TOKEN_ISSUER"] = " https://issuer.example ", ["OTP_TOKEN_AUDIENCE"] = "site-client" };

        var config = Read(SiteHost.ConfigScript("http://127.0.0.1:3100", new OtpSettings { ResendCooldownSeconds = 45, CodeLength = 8 }, verify.GetValueOrDefault));

        Assert.Equal("http://127.0.0.1:3100", config.GetProperty("apiBaseUrl").GetString());
        Assert.Equal(45, config.GetProperty("resendCooldownSeconds").GetInt32());
        Assert.Equal(8, config.GetProperty("codeLength").GetInt32());
        Assert.Equal("https://issuer.example", config.GetProperty("issuer").GetString());
        Assert.Equal("site-client", config.GetProperty("audience").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("jwksUrl").ValueKind);
    }

    [Fact]
    public void ConfigScript_LeavesIssuerAndAudienceNull_WhenVerifyOtpHasNone()
    {
        var config = Read(SiteHost.ConfigScript("http://127.0.0.1:3000", new OtpSettings(), name => name == "OTP_TOKEN_AUDIENCE" ? "  " : null));

        Assert.Equal(JsonValueKind.Null, config.GetProperty("issuer").ValueKind);
        Assert.Equal(JsonValueKind.Null, config.GetProperty("audience").ValueKind);
    }

    /// <summary>The object after <c>export default</c>: the script is an ES module the page imports.</summary>
    private static JsonElement Read(string script)
    {
        const string marker = "export default ";
        var start = script.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, script);
        var json = script[(start + marker.Length)..].TrimEnd().TrimEnd(';');
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
