using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpService.Local.Emulators;
using OtpService.Tests.Integration;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>
/// The runner against emulators the user already runs (moto's server started here, a dynalite of
/// the user's): the whole chain over real HTTP, generate, the stream record (moto's real DynamoDB
/// Streams record, or the runner's own for a DynamoDB without streams), SendOtpEmail, the mail read
/// back from the emulator that holds it, verify. Every kind gives the same outcomes as the npm emulators.
/// </summary>
public sealed partial class BringYourOwnEmulatorsTests
{
    /// <summary>What a user sees, whichever emulators run: 202, one mail, a wrong code 401, the right one 200, again 409.</summary>
    private static readonly ChainOutcome Expected = new(202, 1, 401, 200, 409);

    private static readonly HttpClient Http = Patience.HttpClient();

    [Fact]
    public async Task WholeChain_AgainstTheNpmEmulators()
    {
        var (runner, api, _) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var mail = new MailStore(SesEndpointOf(runner), MailStoreKind.AwsSesV2Local);

        Assert.Equal(Expected, await RunChainAsync(runner, api, mail));
    }

    [MotoFact]
    public async Task WholeChain_AgainstMoto_WithItsRealStreamRecords_GivesTheSameOutcomes()
    {
        await using var moto = await MotoServer.StartAsync();
        var api = Ports.FreePort();
        await using var runner = LocalRunnerProcess.Start(["--site-port", Text(Ports.FreePort()), "--port", Text(api), "--dynamodb-port", Text(Ports.FreePort()), "--endpoint", moto.Endpoint.ToString()], null);
        await runner.WaitUntilReadyAsync(Patience.Wait);

        Assert.Contains("DynamoDB Streams API", runner.Output, StringComparison.Ordinal);
        Assert.Contains("/moto-api/", runner.Output, StringComparison.Ordinal);
        Assert.Equal(Expected, await RunChainAsync(runner, api, new MailStore(moto.Endpoint, MailStoreKind.Moto)));
        Assert.DoesNotContain(runner.Descendants(), ProcessTree.IsRunning); // Everything came from moto: no emulator was started.
    }

    [Fact]
    public async Task WholeChain_AgainstADynamoDbWithoutStreams_ObservesWritesThroughTheProxy()
    {
        var yours = await EmulatorFixture.StartedAsync();
        var (api, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        await using var runner = LocalRunnerProcess.Start(
            ["--site-port", Text(Ports.FreePort()), "--port", Text(api), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses), "--dynamodb-endpoint", yours.DynamoDbEndpoint.ToString()],
            new Dictionary<string, string> { ["OTP_TABLE_NAME"] = $"otp_byo_{Guid.NewGuid():N}" });
        await runner.WaitUntilReadyAsync(Patience.Wait);

        Assert.Contains("has no streams", runner.Output, StringComparison.Ordinal);
        Assert.Equal(Expected, await RunChainAsync(runner, api, new MailStore(new Uri($"http://127.0.0.1:{ses}"), MailStoreKind.AwsSesV2Local)));
    }

    [MotoFact]
    public async Task StoppedEndpoint_StopsTheRunnerWithAClearMessage()
    {
        var moto = await MotoServer.StartAsync();
        await using var runner = LocalRunnerProcess.Start(["--site-port", Text(Ports.FreePort()), "--port", Text(Ports.FreePort()), "--dynamodb-port", Text(Ports.FreePort()), "--endpoint", moto.Endpoint.ToString()], null);
        await runner.WaitUntilReadyAsync(Patience.Wait);

        await moto.DisposeAsync();
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.Equal(4, exitCode);
        Assert.Contains(moto.Endpoint.ToString(), runner.Errors, StringComparison.Ordinal);
        Assert.Contains("cannot work without it", runner.Errors, StringComparison.Ordinal);
    }

    [MotoFact]
    public async Task SecretsManagerEndpoint_IsWhereTheFunctionsReadTheSigningKey()
    {
        await using var moto = await MotoServer.StartAsync();
        var arn = await CreateSecretAsync(moto.Endpoint, "otp-signing-key", new string('k', 64));
        var api = Ports.FreePort();
        await using var runner = LocalRunnerProcess.Start(
            ["--site-port", Text(Ports.FreePort()), "--port", Text(api), "--dynamodb-port", Text(Ports.FreePort()), "--endpoint", moto.Endpoint.ToString()],
            new Dictionary<string, string> { ["OTP_SIGNING_KEY_SECRET_ARN"] = arn });
        await runner.WaitUntilReadyAsync(Patience.Wait);

        Assert.DoesNotContain("development key", runner.Output, StringComparison.Ordinal);
        Assert.Equal(Expected, await RunChainAsync(runner, api, new MailStore(moto.Endpoint, MailStoreKind.Moto)));

        // A secret that is not there (moto answers 404): as in Lambda, the functions start anyway and say
        // why when they warm up; a request that needs the key is a 500 (a configuration error) until it exists.
        var missingApi = Ports.FreePort();
        await using var missing = LocalRunnerProcess.Start(
            ["--site-port", Text(Ports.FreePort()), "--port", Text(missingApi), "--dynamodb-port", Text(Ports.FreePort()), "--endpoint", moto.Endpoint.ToString()],
            new Dictionary<string, string> { ["OTP_SIGNING_KEY_SECRET_ARN"] = arn + "-gone" });
        await missing.WaitUntilReadyAsync(Patience.Wait);
        Assert.True(await missing.WaitForOutputAsync("\"event\":\"key_read_failed\"", TimeSpan.FromSeconds(30)), missing.Output + missing.Errors);
        using var refused = await Http.GetAsync(new Uri($"http://127.0.0.1:{missingApi}/otp/verify?email_address=byo%40example.com&otp=123456"));
        Assert.Equal(500, (int)refused.StatusCode);
        Assert.Contains("internal_error", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [MotoFact]
    public async Task Invoke_WithAnEndpoint_UsesItAndStartsNothing()
    {
        await using var moto = await MotoServer.StartAsync();
        var dynamoPort = Ports.FreePort();

        await using var run = LocalRunnerProcess.Start(
            ["invoke", "GenerateOtp", "--event", "events/generate-otp.json", "--endpoint", moto.Endpoint.ToString(), "--dynamodb-port", Text(dynamoPort)], null);
        var exitCode = await run.WaitForExitAsync(Patience.Wait);

        Assert.True(exitCode == 0, run.Errors);
        Assert.Equal(202, JsonDocument.Parse(run.Output).RootElement.GetProperty("statusCode").GetInt32());
        Assert.True(Ports.IsFree(dynamoPort), "no dynalite may be started when an endpoint is given");
        using var client = LocalTable.CreateClient(moto.Endpoint);
        Assert.True((await client.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = "otp_holder" })).Count >= 1);
    }

    private static async Task<ChainOutcome> RunChainAsync(LocalRunnerProcess runner, int api, MailStore mail)
    {
        var address = $"byo-{Guid.NewGuid():N}@example.com";
        var root = new Uri($"http://127.0.0.1:{api}");
        using var generated = await Http.GetAsync(new Uri(root, $"/otp/generate?email_address={Uri.EscapeDataString(address)}"));
        var mails = await WaitForMailAsync(mail, address);
        Assert.True(mails.Count > 0, $"no mail to {address} in {mail.JsonUrl}{Environment.NewLine}{runner.Output}{Environment.NewLine}{runner.Errors}");
        var code = SixDigits().Match(mails[^1].Body).Value;
        var wrong = code[..^1] + (code[^1] == '0' ? '1' : '0');

        using var wrongAnswer = await Http.GetAsync(new Uri(root, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={wrong}"));
        using var right = await Http.GetAsync(new Uri(root, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={code}"));
        using var again = await Http.GetAsync(new Uri(root, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={code}"));

        // Let a redelivered or duplicate record (moto gives two INSERTs for an UpdateItem that creates an item) show any second mail.
        await Task.Delay(1000);
        var count = (await mail.ReadAsync(CancellationToken.None)).Count(m => m.To.Contains(address, StringComparer.OrdinalIgnoreCase));
        return new ChainOutcome((int)generated.StatusCode, count, (int)wrongAnswer.StatusCode, (int)right.StatusCode, (int)again.StatusCode);
    }

    private static async Task<IReadOnlyList<SentMessage>> WaitForMailAsync(MailStore mail, string address)
    {
        for (var i = 0; i < 200; i++)
        {
            var found = (await mail.ReadAsync(CancellationToken.None)).Where(m => m.To.Contains(address, StringComparer.OrdinalIgnoreCase)).ToList();
            if (found.Count > 0)
            {
                return found;
            }

            await Task.Delay(50);
        }

        return [];
    }

    private static async Task<string> CreateSecretAsync(Uri endpoint, string name, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["Name"] = $"{name}-{Guid.NewGuid():N}", ["SecretString"] = value }), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "secretsmanager.CreateSecret");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ARN").GetString()!;
    }

    private static Uri SesEndpointOf(LocalRunnerProcess runner) =>
        new(MailLine().Match(runner.Output).Groups[1].Value);

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    // Not after "#": the HTML layout's CSS colours (#111827) are six digits too.
    [GeneratedRegex(@"(?<![\d#])\d{6}(?!\d)")]
    private static partial Regex SixDigits();

    [GeneratedRegex(@"Mail\s+(http://127\.0\.0\.1:\d+/)")]
    private static partial Regex MailLine();

    private sealed record ChainOutcome(int Generate, int Mails, int Wrong, int Right, int Again);
}
