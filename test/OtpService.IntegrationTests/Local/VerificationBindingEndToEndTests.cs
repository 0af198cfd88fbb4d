using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpService.Tests.Integration;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>A runner started as a deployer who binds codes would start it: the id required, no resend cooldown (so one test mails twice).</summary>
public sealed class BindingRunnerFixture() : RunnerFixture(new Dictionary<string, string>
{
    ["OTP_REQUIRE_VERIFICATION_ID"] = "true",
    ["OTP_RESEND_COOLDOWN_SECONDS"] = "0",
});

/// <summary>
/// Superseded codes and verification ids over real HTTP: the runner, dynalite, aws-ses-v2-local
/// and the real handlers, the codes read from the mail as a user reads them.
/// </summary>
public sealed partial class VerificationBindingEndToEndTests(BindingRunnerFixture fixture) : IClassFixture<BindingRunnerFixture>
{
    private static readonly HttpClient Http = Patience.HttpClient();

    [Fact]
    public async Task TwoMails_TheFirstCodeIsSuperseded_TheFirstIdIsAMismatch_OnlyTheNewestPairVerifies()
    {
        var address = $"binding-{Guid.NewGuid():N}@example.com";
        var firstId = await GenerateAsync(address);
        var firstCode = (await CodesAsync(address, 1))[0];
        var secondId = await GenerateAsync(address);
        var secondCode = (await CodesAsync(address, 2))[1];
        Assert.NotEqual(firstId, secondId);

        var (superseded, supersededBody) = await VerifyAsync(address, firstCode, secondId);
        Assert.Equal((HttpStatusCode)422, superseded);
        Assert.Equal("superseded", supersededBody.GetProperty("status").GetString());

        var (mismatch, mismatchBody) = await VerifyAsync(address, secondCode, firstId);
        Assert.Equal(HttpStatusCode.Forbidden, mismatch);
        Assert.Equal("verification_id_mismatch", mismatchBody.GetProperty("status").GetString());

        var (missing, missingBody) = await VerifyAsync(address, secondCode, null);
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal("verification_id", missingBody.GetProperty("field").GetString());

        var (wrong, wrongBody) = await VerifyAsync(address, secondCode[..^1] + (secondCode[^1] == '0' ? '1' : '0'), secondId);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal(4, wrongBody.GetProperty("attemptsRemaining").GetInt32());

        var (verified, _) = await VerifyAsync(address, secondCode, secondId, asJson: true);
        Assert.Equal(HttpStatusCode.OK, verified);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA%2B%2F")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA%3D%3D")]
    public async Task AMalformedId_InTheQueryString_Is400NamingTheField(string rawQueryValue)
    {
        var address = $"binding-{Guid.NewGuid():N}@example.com";
        using var response = await Http.GetAsync(new Uri(fixture.Api, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp=123456&verification_id={rawQueryValue}"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("verification_id", body.RootElement.GetProperty("field").GetString());
    }

    [Fact]
    public async Task AHugeId_InAJsonBody_Is400NamingTheField()
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, string> { ["email_address"] = "a@example.com", ["otp"] = "123456", ["verification_id"] = new string('A', 3000) });
        using var response = await Http.PostAsync(new Uri(fixture.Api, "/otp/verify"), new StringContent(json, Encoding.UTF8, "application/json"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("verification_id", body.RootElement.GetProperty("field").GetString());
    }

    private async Task<string> GenerateAsync(string address)
    {
        using var response = await Http.GetAsync(new Uri(fixture.Api, $"/otp/generate?email_address={Uri.EscapeDataString(address)}"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        using var body = JsonDocument.Parse(text);
        var id = body.RootElement.GetProperty("verificationId").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{22}$", id);
        return id;
    }

    private async Task<List<string>> CodesAsync(string address, int count)
    {
        var mail = await fixture.Mail.WaitForMailAsync(address, count);
        return mail.Select(m => CodePattern().Match(m.Text ?? m.Html ?? "").Value).ToList();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> VerifyAsync(string address, string code, string? id, bool asJson = false)
    {
        using var response = asJson
            ? await Http.PostAsync(new Uri(fixture.Api, "/otp/verify"), new StringContent(
                JsonSerializer.Serialize(new Dictionary<string, string?> { ["email_address"] = address, ["otp"] = code, ["verification_id"] = id }), Encoding.UTF8, "application/json"))
            : await Http.GetAsync(new Uri(fixture.Api, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={code}{(id is null ? "" : "&verification_id=" + id)}"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex CodePattern();
}
