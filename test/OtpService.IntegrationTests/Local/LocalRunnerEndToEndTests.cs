using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpService.Tests.Integration;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>One runner process (start-api on free ports) shared by the end-to-end tests of this class.</summary>
public sealed class LocalRunnerFixture() : RunnerFixture(new Dictionary<string, string> { ["OTP_CORS_ALLOWED_ORIGIN"] = Origin })
{
    /// <summary>The browser origin the runner is started with (OTP_CORS_ALLOWED_ORIGIN).</summary>
    public const string Origin = "https://app.example.com";
}

/// <summary>The whole flow over real HTTP against `dotnet OtpService.Local.dll` with the real handlers.</summary>
public sealed partial class LocalRunnerEndToEndTests(LocalRunnerFixture fixture) : IClassFixture<LocalRunnerFixture>
{
    private static readonly HttpClient Http = Patience.HttpClient();

    [Fact]
    public void Banner_SaysTheApiRefusesTheSignInPage_WhenTheUsersOriginIsAnother()
    {
        // OTP_CORS_ALLOWED_ORIGIN is the user's (another site), so the runner does not allow its own page, and says so.
        Assert.Contains("The API refuses the sign-in page at http://127.0.0.1:", fixture.Runner.Output, StringComparison.Ordinal);
        Assert.Contains($"allows {LocalRunnerFixture.Origin}", fixture.Runner.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_ThenCodeFromTheMail_Verifies200()
    {
        var address = NewAddress();

        using var generated = await GetAsync($"/otp/generate?email_address={Uri.EscapeDataString(address)}");
        Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        var code = await MailedCodeAsync(address);

        using var verified = await GetAsync($"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={code}");
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        using var body = JsonDocument.Parse(await verified.Content.ReadAsStringAsync());
        Assert.Equal("Verified", body.RootElement.GetProperty("message").GetString());
        Assert.Equal("application/json", verified.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GenerateAndVerify_AsPostWithJsonBodies_Work()
    {
        var address = NewAddress();

        using var generated = await PostJsonAsync("/otp/generate", $$"""{"email_address":"{{address}}"}""");
        Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        var code = await MailedCodeAsync(address);

        using var verified = await PostJsonAsync("/otp/verify", $$"""{"email_address":"{{address}}","otp":"{{code}}"}""");
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
    }

    /// <summary>
    /// The language travels from the request through the table and its stream to the mailer and SES:
    /// `locale` in a JSON body, a query string or a form body, or only Accept-Language (issue 21's
    /// "a code requested with locale=ja (or Accept-Language: ja) arrives in Japanese").
    /// </summary>
    [Theory]
    [InlineData("field")]
    [InlineData("query")]
    [InlineData("form")]
    [InlineData("header")]
    public async Task ACodeAskedForInJapanese_ArrivesInJapanese_AndVerifies(string how)
    {
        var address = NewAddress();
        var escaped = Uri.EscapeDataString(address);
        using var request = new HttpRequestMessage(how == "query" ? HttpMethod.Get : HttpMethod.Post, new Uri(fixture.Api, how == "query" ? $"/otp/generate?email_address={escaped}&locale=ja" : "/otp/generate"))
        {
            Content = how switch
            {
                "field" => new StringContent($$"""{"email_address":"{{address}}","locale":"ja"}""", Encoding.UTF8, "application/json"),
                "form" => new StringContent($"email_address={escaped}&locale=ja", Encoding.UTF8, "application/x-www-form-urlencoded"),
                "header" => new StringContent($$"""{"email_address":"{{address}}"}""", Encoding.UTF8, "application/json"),
                _ => null,
            },
        };
        if (how == "header")
        {
            request.Headers.Add("Accept-Language", "ja-JP, ja;q=0.9, en;q=0.5");
        }

        using var generated = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        var mail = (await fixture.Mail.WaitForMailAsync(address))[^1];
        var code = await MailedCodeAsync(address);

        Assert.Equal("ワンタイムパスワード（有効期間はわずか2 分）", mail.Subject);
        Assert.Contains("このコードの有効期間は2 分です。", mail.Text, StringComparison.Ordinal);
        Assert.Contains("このコードの有効期間は2 分です。", mail.Html, StringComparison.Ordinal);
        using var verified = await PostJsonAsync("/otp/verify", $$"""{"email_address":"{{address}}","otp":"{{code}}"}""");
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
    }

    [Fact]
    public async Task Verify_WithWrongCode_Returns401()
    {
        var address = NewAddress();
        using var generated = await GetAsync($"/otp/generate?email_address={Uri.EscapeDataString(address)}");
        Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        var code = await MailedCodeAsync(address);
        var wrong = code[..^1] + (code[^1] == '0' ? '1' : '0');

        using var verified = await GetAsync($"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={wrong}");

        Assert.Equal(HttpStatusCode.Unauthorized, verified.StatusCode);
    }

    [Fact]
    public async Task Verify_ForAnAddressThatNeverGotACode_Returns404()
    {
        using var verified = await GetAsync($"/otp/verify?email_address={Uri.EscapeDataString(NewAddress())}&otp=123456");

        Assert.Equal(HttpStatusCode.NotFound, verified.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Returns403MissingAuthenticationToken_LikeApiGateway()
    {
        using var response = await GetAsync("/otp/nothing-here");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Missing Authentication Token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestLog_NamesMethodPathAndStatus_ButNeverTheSubmittedCode()
    {
        var address = NewAddress();
        using var verified = await GetAsync($"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp=987654");

        Assert.True(await fixture.Runner.WaitForOutputAsync("GET /otp/verify 404", TimeSpan.FromSeconds(5)), fixture.Runner.Output);
        Assert.DoesNotContain("987654", fixture.Runner.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachGenerate_DeliversExactlyOneRecord_TheCodes_AsTheTemplatesFilterPasses()
    {
        var address = NewAddress();
        var before = DeliveryLines();

        using var generated = await GetAsync($"/otp/generate?email_address={Uri.EscapeDataString(address)}");
        Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        await MailedCodeAsync(address);

        // The address record's INSERT and the MODIFYs (claim, mailed) are filtered out: one delivery of one INSERT.
        Assert.True(await WaitAsync(() => DeliveryLines().Count > before.Count));
        var added = DeliveryLines().Skip(before.Count).ToList();
        Assert.All(added, line => Assert.Contains("1 INSERT record(s) delivered", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BrowserPreflight_IsAnsweredAsTheTemplatesCorsConfiguration()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, new Uri(fixture.Api, "/otp/verify"));
        request.Headers.Add("Origin", LocalRunnerFixture.Origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(LocalRunnerFixture.Origin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("GET,POST,OPTIONS", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("Content-Type", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Headers")));
        Assert.Equal("600", Assert.Single(response.Headers.GetValues("Access-Control-Max-Age")));

        // The functions' own answers carry the origin too (proxy integration), so the real request passes.
        using var answer = await GetAsync($"/otp/verify?email_address={Uri.EscapeDataString(NewAddress())}&otp=123456");
        Assert.Equal(LocalRunnerFixture.Origin, Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task QueryOf10000Characters_GetsTheFunctionsAnswer_A400NamingTheField()
    {
        using var response = await GetAsync("/otp/generate?email_address=" + new string('a', 10_000));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("email_address", body.RootElement.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData(10_300)]
    [InlineData(60_000)]
    public async Task UrlOverApiGatewaysLimit_Gets414WithAJsonMessage_NotAnEmptyBody(int queryLength)
    {
        using var response = await GetAsync("/otp/generate?email_address=" + new string('a', queryLength));

        Assert.Equal((HttpStatusCode)414, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("message").GetString()));
    }

    private List<string> DeliveryLines() =>
        fixture.Runner.Output.Split(Environment.NewLine).Where(l => l.Contains("stream -> SendOtpEmail", StringComparison.Ordinal)).ToList();

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        return condition();
    }

    private static string NewAddress() => $"local-{Guid.NewGuid():N}@example.com";

    private async Task<string> MailedCodeAsync(string address)
    {
        var mail = await fixture.Mail.WaitForMailAsync(address);
        var last = mail[^1];
        var match = CodePattern().Match(last.Text ?? "");
        if (!match.Success)
        {
            match = CodePattern().Match(last.Html ?? "");
        }

        Assert.True(match.Success, $"no 6-10 digit code in the mail: {last.Text} {last.Html}");
        return match.Value;
    }

    private Task<HttpResponseMessage> GetAsync(string pathAndQuery) => Http.GetAsync(new Uri(fixture.Api, pathAndQuery));

    private Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Http.PostAsync(new Uri(fixture.Api, path), new StringContent(json, Encoding.UTF8, "application/json"));

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex CodePattern();
}
