using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpService.Tests.Integration;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>One runner process (start-api on free ports) shared by the end-to-end tests of this class.</summary>
public sealed class LocalRunnerFixture : IAsyncLifetime
{
    private LocalRunnerProcess? runner;

    public Uri Api { get; private set; } = null!;

    /// <summary>The runner's SES emulator, read with the same helpers as the integration tests.</summary>
    public EmulatorEndpoints Mail { get; private set; } = null!;

    internal LocalRunnerProcess Runner => runner ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var (process, api, ses) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        runner = process;
        Api = new Uri($"http://127.0.0.1:{api}");
        Mail = new EmulatorEndpoints(new Uri("http://127.0.0.1:1"), new Uri($"http://127.0.0.1:{ses}"), []);
    }

    public async Task DisposeAsync()
    {
        if (runner is not null)
        {
            await runner.DisposeAsync();
        }
    }
}

/// <summary>The whole flow over real HTTP against `dotnet OtpService.Local.dll` with the real handlers.</summary>
public sealed partial class LocalRunnerEndToEndTests(LocalRunnerFixture fixture) : IClassFixture<LocalRunnerFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };

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

        await Task.Delay(200);
        Assert.Contains("GET /otp/verify 404", fixture.Runner.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("987654", fixture.Runner.Output, StringComparison.Ordinal);
    }

    private static string NewAddress() => $"local-{Guid.NewGuid():N}@example.com";

    private async Task<string> MailedCodeAsync(string address)
    {
        var mail = await fixture.Mail.WaitForMailAsync(address, timeout: TimeSpan.FromSeconds(5));
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
