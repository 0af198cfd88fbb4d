using OtpService.Tests.Integration;
using OtpService.Core.Lambda;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// The real handlers against dynalite under concurrency: correctness rests on conditional writes
/// and re-reads, so parallel requests must not double-verify, over-count guesses or double-issue.
/// </summary>
public class HandlerConcurrencyTests : IAsyncLifetime
{
    private EmulatorEndpoints _emulators = null!;
    private OtpServices _services = null!;
    private GenerateOtp.Function _generate = null!;
    private VerifyOtp.Function _verify = null!;

    public async Task InitializeAsync()
    {
        _emulators = await EmulatorFixture.StartedAsync();
        var env = new Dictionary<string, string>(_emulators.LambdaEnvironment(await _emulators.CreateTableAsync()))
        {
            ["OTP_SIGNING_KEY"] = TestKeys.Development,
        };
        _services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System);
        _generate = new GenerateOtp.Function(_services);
        _verify = new VerifyOtp.Function(_services);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ApiResult> Generate(string address) =>
        ApiResult.ReadAsync(_generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", address).ToStream()));

    private Task<ApiResult> Verify(string address, string otp, string sourceIp = "203.0.113.7") =>
        ApiResult.ReadAsync(_verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", address).Query("otp", otp).From(sourceIp).ToStream()));

    private async Task<string> CodeOf(string address)
    {
        var code = (await _services.CreateStore().LoadNewestAsync(address, default)).Code!;
        return TestKeys.Derivation().Derive(OtpKey.LocalVersion, address, code.Nonce, code.Digits);
    }

    [Fact]
    public async Task TwentyConcurrentVerifiesWithTheRightCode_GiveExactlyOne200()
    {
        const string address = "race-right@example.com";
        Assert.Equal(202, (await Generate(address)).StatusCode);
        var code = await CodeOf(address);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Verify(address, code))));

        Assert.Equal(1, results.Count(r => r.StatusCode == 200));
        Assert.All(results.Where(r => r.StatusCode != 200), r => Assert.Equal((409, "already_used"), (r.StatusCode, r.Status)));
    }

    [Fact]
    public async Task TwentyConcurrentWrongGuesses_AreJudgedAtMostMaxAttemptsTimes()
    {
        const string address = "race-wrong@example.com";
        await Generate(address);
        var code = await CodeOf(address);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Verify(address, RuleHarness.Wrong(code)))));

        Assert.Equal(5, results.Count(r => r.StatusCode == 401));
        Assert.Equal(15, results.Count(r => r.StatusCode == 429));
        Assert.Equal(5, (await _services.CreateStore().LoadAddressAsync(address, default)).Attempts);
        // The guessing client is done with this code; the owner, calling from elsewhere, is not.
        Assert.Equal(429, (await Verify(address, code)).StatusCode);
        Assert.Equal(200, (await Verify(address, code, "198.51.100.44")).StatusCode);
    }

    [Fact]
    public async Task TenConcurrentGenerates_IssueExactlyOneCode()
    {
        const string address = "race-generate@example.com";

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => Generate(address))));

        Assert.Equal(1, results.Count(r => r.StatusCode == 202));
        Assert.All(results.Where(r => r.StatusCode != 202), r => Assert.Equal((429, "rate_limited"), (r.StatusCode, r.Status)));
        Assert.Equal(1, (await _services.CreateStore().LoadAddressAsync(address, default)).Version);
        using var client = _emulators.CreateDynamoDbClient();
        var items = await client.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = _services.Settings.TableName,
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new() { S = address } },
        });
        Assert.Single(items.Items, i => i.ContainsKey(OtpTable.Nonce));
    }

    [Fact]
    public async Task StoredItems_HoldNoCode()
    {
        const string address = "at-rest@example.com";
        await Generate(address);
        var code = await CodeOf(address);

        using var client = _emulators.CreateDynamoDbClient();
        var items = await client.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = _services.Settings.TableName,
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new() { S = address } },
        });

        Assert.Equal(2, items.Items.Count); // the code and the address record
        var values = items.Items.SelectMany(i => i.Values)
            .SelectMany(v => new[] { v.S, v.N?.TrimStart('0'), v.B is null ? null : Convert.ToBase64String(v.B.ToArray()) })
            .Where(v => v is not null)
            .ToList();
        Assert.DoesNotContain(code.TrimStart('0'), values);
        Assert.Contains(items.Items, i => i.ContainsKey(OtpTable.Nonce));
    }

    [Fact]
    public async Task DynamoDbUnreachable_Answers503WithNoInternals()
    {
        var down = new Dictionary<string, string>(_emulators.LambdaEnvironment("otp_holder"))
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:1",
            ["OTP_SIGNING_KEY"] = TestKeys.Development,
        };
        var logs = new StringWriter();
        var services = new OtpServices(ServiceConfiguration.Read(down.GetValueOrDefault), TimeProvider.System) { LogOutput = logs };

        var generated = await ApiResult.ReadAsync(new GenerateOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", "down@example.com").ToStream()));
        var verified = await ApiResult.ReadAsync(new VerifyOtp.Function(services).FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", "down@example.com").Query("otp", "123456").ToStream()));

        foreach (var result in new[] { generated, verified })
        {
            Assert.Equal((503, "unavailable"), (result.StatusCode, result.Status));
            Assert.DoesNotContain("127.0.0.1", result.Body.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.Body.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Contains("\"level\":\"ERROR\"", logs.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("123456", logs.ToString(), StringComparison.Ordinal);
    }
}
