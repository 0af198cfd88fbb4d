using OtpService.Tests.Integration;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Core.Aws;
using OtpService.Local.Streams;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// The seed's whole flow with every real part: GenerateOtp writes to dynalite, the stream record
/// DynamoDB would emit for the new item goes to SendOtpEmail, which mails through the SES
/// emulator; the code read back from the mail verifies with VerifyOtp.
/// </summary>
public partial class WholeChainTests : IAsyncLifetime
{
    private EmulatorEndpoints _emulators = null!;
    private Dictionary<string, string> _env = null!;
    private readonly StringWriter _logs = new();

    public async Task InitializeAsync()
    {
        _emulators = await EmulatorFixture.StartedAsync();
        _env = new Dictionary<string, string>(_emulators.LambdaEnvironment(await _emulators.CreateTableAsync()))
        {
            ["OTP_SIGNING_KEY"] = TestKeys.Development,
        };
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private OtpServices Services(Dictionary<string, string>? env = null) => new(ServiceConfiguration.Read((env ?? _env).GetValueOrDefault), TimeProvider.System) { LogOutput = _logs };

    /// <summary>The INSERT records DynamoDB Streams would emit for the address's items, read back from the table.</summary>
    private async Task<string> StreamEventForAsync(string address)
    {
        using var client = _emulators.CreateDynamoDbClient();
        var items = await client.QueryAsync(new QueryRequest
        {
            TableName = _env["OTP_TABLE_NAME"],
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = address } },
        });
        var factory = new StreamRecordFactory("us-east-1", _env["OTP_TABLE_NAME"], [OtpTable.Address, OtpTable.ExpirationTime], TimeProvider.System);
        var streamEvent = new DynamoDbStreamEvent { Records = items.Items.Select(i => factory.Insert(i)).ToList() };
        return JsonSerializer.Serialize(streamEvent, LambdaJsonContext.Default.DynamoDbStreamEvent);
    }

    private static async Task<List<string>> SendAsync(SendOtpEmail.Function send, string streamEvent)
    {
        var output = await send.FunctionHandler(ApiEvent.Raw(streamEvent));
        return JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier).ToList();
    }

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();

    [Fact]
    public async Task Generate_Stream_Mail_Verify_EndToEnd_WithNothingSecretInTheLogs()
    {
        const string address = "chain@example.com";
        var services = Services();
        var generate = new GenerateOtp.Function(services);
        var send = new SendOtpEmail.Function(services);
        var verify = new VerifyOtp.Function(services);

        var generated = await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", " Chain@Example.com").ToStream()));
        Assert.Equal(202, generated.StatusCode);

        var streamEvent = await StreamEventForAsync(address);
        Assert.Empty(await SendAsync(send, streamEvent));
        var mail = Assert.Single(await _emulators.WaitForMailAsync(address));
        Assert.Equal("Your OTP (valid for only 2 mins)!", mail.Subject);
        Assert.Equal("no-reply@example.com", mail.From);
        Assert.Contains("Use this code to verify your login at Simple Website", mail.Html, StringComparison.Ordinal);
        var code = SixDigits().Match(mail.Text!).Value;
        Assert.Contains($">{code}<", mail.Html!, StringComparison.Ordinal); // the HTML part shows the same code (its CSS has six-digit colours too)

        // A redelivered record (Lambda retries whole batches) sends no second mail.
        Assert.Empty(await SendAsync(send, streamEvent));

        var wrong = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", address).Query("otp", RuleHarness.Wrong(code)).ToStream()));
        var right = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Post("/otp/verify").Json($$"""{"email_address":"{{address}}","otp":"{{code}}"}""").ToStream()));
        var again = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", address).Query("otp", code).ToStream()));

        Assert.Equal((401, 200, 409), (wrong.StatusCode, right.StatusCode, again.StatusCode));
        Assert.Equal("Verified", right.Message);
        Assert.Single(await _emulators.SentMailAsync(address));

        var logs = _logs.ToString();
        Assert.Equal(6, logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => !EmfDocument.IsEmf(l)));
        var metrics = EmfDocument.MetricsIn(logs);
        Assert.Equal((1, 1, 1, 1, 1), (metrics[MetricNames.CodesIssued], metrics[MetricNames.MailsSent], metrics[MetricNames.MailsSkipped], metrics[MetricNames.WrongCode], metrics[MetricNames.Verified]));
        Assert.DoesNotContain(code, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.Development, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(address, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("NONCE", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUnicodeDomain_IsStoredMailedAndVerified_InItsAsciiForm()
    {
        // SES takes 7-bit ASCII addresses only, the domain in Punycode: the key is what goes to SES.
        const string key = "chain-idn@xn--bcher-kva.example";
        var services = Services();

        var generated = await ApiResult.ReadAsync(new GenerateOtp.Function(services).FunctionHandler(
            ApiEvent.Get("/otp/generate").Query("email_address", "Chain-IDN@Bücher.example").ToStream()));
        Assert.Equal(202, generated.StatusCode);
        Assert.Empty(await SendAsync(new SendOtpEmail.Function(services), await StreamEventForAsync(key)));

        var mail = Assert.Single(await _emulators.WaitForMailAsync(key));
        Assert.Equal([key], mail.To);
        var code = SixDigits().Match(mail.Text!).Value;
        var verified = await ApiResult.ReadAsync(new VerifyOtp.Function(services).FunctionHandler(
            ApiEvent.Get("/otp/verify").Query("email_address", "chain-idn@bu\u0308cher\u3002example").Query("otp", code).ToStream()));
        Assert.Equal(200, verified.StatusCode);
    }

    [Fact]
    public async Task SesOutage_LosesNoMail_AndTheRetrySendsItOnce()
    {
        const string address = "outage@example.com";
        // A real outage: SES's endpoint refuses connections (nothing listens on port 1).
        var down = new Dictionary<string, string>(_env) { ["AWS_ENDPOINT_URL_SESV2"] = "http://127.0.0.1:1" };
        await ApiResult.ReadAsync(new GenerateOtp.Function(Services()).FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", address).ToStream()));
        var streamEvent = await StreamEventForAsync(address);
        var sequence = JsonDocument.Parse(streamEvent).RootElement.GetProperty("Records").EnumerateArray()
            .Single(r => r.GetProperty("dynamodb").GetProperty("NewImage").TryGetProperty(OtpTable.Nonce, out _))
            .GetProperty("dynamodb").GetProperty("SequenceNumber").GetString();

        var failed = await SendAsync(new SendOtpEmail.Function(Services(down)), streamEvent);

        Assert.Equal([sequence!], failed);
        Assert.Empty(await _emulators.SentMailAsync(address));

        // SES answers again: Lambda redelivers the batch, the mail goes out once, and again nothing more.
        var send = new SendOtpEmail.Function(Services());
        Assert.Empty(await SendAsync(send, streamEvent));
        Assert.Empty(await SendAsync(send, streamEvent));
        Assert.Single(await _emulators.WaitForMailAsync(address));
        Assert.DoesNotContain(SixDigits().Match((await _emulators.SentMailAsync(address))[0].Text!).Value, _logs.ToString(), StringComparison.Ordinal);
    }
}
