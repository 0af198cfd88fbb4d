using OtpService.Tests.Integration;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Local.Streams;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Issue 19 item 6: Secrets Manager or KMS failing while a function starts is answered like a failed
/// call, never an init crash. The functions are built with their keys in moto's Secrets Manager and
/// KMS behind a real socket that refuses, hangs or relays (<see cref="SwitchableEndpoint"/>), with
/// dynalite and the SES emulator for the rest: while the store is down GenerateOtp and VerifyOtp answer
/// 503 with Retry-After and SendOtpEmail fails the record (retried); a store that refuses (a secret or a
/// KMS key that does not exist) is a 500 counted in ConfigurationErrors, or a record counted in
/// MailFailuresConfiguration; once the store is back, or the secret or key exists, the next request
/// of the same function instance succeeds. Skipped, with the reason, where moto is missing.
/// </summary>
public partial class InitFailureTests : IAsyncLifetime
{
    private const string CodeKey = "init-failure-code-key-0123456789-abcdefghijklmnopqrstuvwxyz";
    private const string ClientKey = "init-failure-client-key-0123456789-abcdefghijklmnopqrstuvwx";
    private const string SubjectKey = "init-failure-subject-key-0123456789-abcdefghijklmnopqrstuv";

    private readonly StringWriter _logs = new();
    private EmulatorEndpoints _emulators = null!;
    private MotoServer _moto = null!;
    private string _table = null!;

    public async Task InitializeAsync()
    {
        _emulators = await EmulatorFixture.StartedAsync();
        _table = await _emulators.CreateTableAsync();
        if (MotoServer.WhyUnavailable is null)
        {
            _moto = await MotoServer.SharedAsync();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>What the store behind the front does; a name picks where the front stands.</summary>
    public enum Store
    {
        SecretsManager,
        Kms,
    }

    /// <summary>The environment of a deployed stack: three secrets and a KMS key in moto, DynamoDB and SES in the npm emulators.</summary>
    private async Task<Dictionary<string, string>> StackAsync(string? clientSecret = null, string? codeSecret = null, string? tokenKeyId = null)
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var id = Guid.NewGuid().ToString("N");
        using var secrets = new MotoSecrets(_moto);
        using var kms = MotoKms();
        var env = new Dictionary<string, string>(_emulators.LambdaEnvironment(_table))
        {
            [HmacKey.Client.SecretArnVariable] = clientSecret ?? await secrets.CreateSecretAsync($"otp-client-{id}", ClientKey),
            [HmacKey.Signing.SecretArnVariable] = codeSecret ?? await secrets.CreateSecretAsync($"otp-code-{id}", CodeKey),
            [HmacKey.Subject.SecretArnVariable] = await secrets.CreateSecretAsync($"otp-subject-{id}", SubjectKey),
            [TokenSigningKeyLoader.KmsKeyVariable] = tokenKeyId ?? await CreateTokenKeyAsync(kms),
            [SecretsManagerEndpoint] = _moto.Endpoint.ToString(),
            [AwsSettings.KmsEndpointVariable] = _moto.Endpoint.ToString(),
            ["OTP_TOKEN_ISSUER"] = "https://otp.example.com",
        };
        env.Remove(TokenSigningKeyLoader.LocalKeyVariable);
        env.Remove(HmacKey.Subject.LocalKeyVariable);
        return env;
    }

    private const string SecretsManagerEndpoint = "AWS_ENDPOINT_URL_SECRETS_MANAGER";

    private AmazonKeyManagementServiceClient MotoKms() => TestConfiguration.Kms(new Dictionary<string, string>(_moto.AwsEnvironment()).GetValueOrDefault);

    private static async Task<string> CreateTokenKeyAsync(AmazonKeyManagementServiceClient kms, string? alias = null)
    {
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;
        if (alias is not null)
        {
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        }

        return key.Arn;
    }

    /// <summary>One function's services, as one Lambda environment has them (its own init window).</summary>
    private OtpServices Services(Dictionary<string, string> env, int functionTimeoutSeconds) =>
        new(ServiceConfiguration.Read(new Dictionary<string, string>(env) { ["OTP_FUNCTION_TIMEOUT_SECONDS"] = $"{functionTimeoutSeconds}" }.GetValueOrDefault), TimeProvider.System) { LogOutput = _logs };

    private static async Task<ApiResult> GenerateAsync(GenerateOtp.Function generate, string address) =>
        await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{address}}"}""").ToStream()));

    private static async Task<ApiResult> VerifyAsync(VerifyOtp.Function verify, string address, string code) =>
        await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Post("/otp/verify").Json($$"""{"email_address":"{{address}}","otp":"{{code}}"}""").ToStream()));

    private static async Task<ApiResult> JwksAsync(VerifyOtp.Function verify) =>
        await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/.well-known/jwks.json").ToStream()));

    /// <summary>The stream event DynamoDB would emit for the address's code items, and SendOtpEmail's batchItemFailures for it.</summary>
    private async Task<(List<string> Failures, IReadOnlyList<string> Sequences)> SendAsync(SendOtpEmail.Function send, string address)
    {
        using var client = _emulators.CreateDynamoDbClient();
        var items = await client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = address } },
        });
        var factory = new StreamRecordFactory("us-east-1", _table, [OtpTable.Address, OtpTable.ExpirationTime], TimeProvider.System);
        var records = items.Items.Where(i => i.ContainsKey(OtpTable.Nonce)).Select(i => factory.Insert(i)).ToList();
        var streamEvent = JsonSerializer.Serialize(new DynamoDbStreamEvent { Records = records }, LambdaJsonContext.Default.DynamoDbStreamEvent);
        var output = await send.FunctionHandler(ApiEvent.Raw(streamEvent));
        var failures = JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier).ToList();
        return (failures, records.Select(r => r.Dynamodb!.SequenceNumber!).ToList());
    }

    private async Task<string> CodeMailedToAsync(string address) =>
        Digits().Match((await _emulators.WaitForMailAsync(address))[^1].Text!).Value;

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex Digits();

    private List<JsonElement> Lines(string key, string value) => _logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(l => !EmfDocument.IsEmf(l)).Select(l => JsonDocument.Parse(l).RootElement.Clone())
        .Where(l => l.TryGetProperty(key, out var v) && v.GetString() == value).ToList();

    private Dictionary<string, double> Metrics() => EmfDocument.MetricsIn(_logs.ToString());

    private void ClearLogs() => _logs.GetStringBuilder().Clear();

    private static void AssertUnavailable(ApiResult answer)
    {
        Assert.Equal((503, "unavailable"), (answer.StatusCode, answer.Status));
        Assert.Equal("2", answer.Headers["Retry-After"]);
    }

    [SkippableTheory]
    [InlineData(SwitchableEndpoint.Mode.Refusing)]
    [InlineData(SwitchableEndpoint.Mode.Hanging)]
    public async Task SecretsManagerDownAtInit_EveryFunctionStarts_Answers503OrRetries_AndServesOnceItIsBack(SwitchableEndpoint.Mode fault)
    {
        var env = await StackAsync();
        await using var front = new SwitchableEndpoint(_moto.Endpoint, fault);
        env[SecretsManagerEndpoint] = front.Url.ToString();
        var address = $"sm-{fault}-{Guid.NewGuid():N}@example.com".ToLowerInvariant();

        // Init: no exception, whatever Secrets Manager does.
        var generate = new GenerateOtp.Function(Services(env, 10));
        var verify = new VerifyOtp.Function(Services(env, 10));
        var send = new SendOtpEmail.Function(Services(env, 30));

        var initLines = Lines("event", "key_read_failed").Concat(Lines("event", "key_read_pending")).ToList();
        Assert.NotEmpty(initLines);
        Assert.All(Lines("event", "key_read_failed"), l => Assert.Equal(
            ("WARN", "transient", fault == SwitchableEndpoint.Mode.Refusing ? AwsFailureClassifier.ConnectionFailure : AwsFailureClassifier.Timeout),
            (l.GetProperty("level").GetString(), l.GetProperty("failureClass").GetString(), l.GetProperty("errorType").GetString())));
        Assert.True(Metrics()[MetricNames.KeyReadFailures] >= 1);
        ClearLogs();

        // While it is down: 503 with Retry-After from the API functions, the client key read again on each request.
        AssertUnavailable(await GenerateAsync(generate, address));
        AssertUnavailable(await VerifyAsync(verify, address, "123456"));
        Assert.Equal(2, Metrics()[MetricNames.Unavailable]);
        Assert.All(Lines("route", "/otp/generate").Concat(Lines("route", "/otp/verify")), l => Assert.Contains(
            l.GetProperty("errorType").GetString(), new[] { AwsFailureClassifier.ConnectionFailure, AwsFailureClassifier.Timeout, "DeadlineExceeded" }));

        // A code issued by a function that started while Secrets Manager was up: the sender, without its key ring, fails the record for a retry.
        var healthy = new GenerateOtp.Function(Services(await StackAsync(), 10));
        Assert.Equal(202, (await GenerateAsync(healthy, address)).StatusCode);
        var (failures, sequences) = await SendAsync(send, address);
        Assert.Equal(sequences, failures);
        Assert.Equal(1, Metrics()[MetricNames.MailFailuresTransient]);
        Assert.Empty(await _emulators.SentMailAsync(address));

        // Secrets Manager is back: the same instances serve the next request.
        await front.SetAsync(SwitchableEndpoint.Mode.Forwarding);
        ClearLogs();
        Assert.Empty((await SendAsync(send, address)).Failures);
        var code = await CodeMailedToAsync(address);
        var verified = await VerifyAsync(verify, address, code);
        Assert.Equal((200, "verified"), (verified.StatusCode, verified.Status));
        Assert.False(string.IsNullOrEmpty(verified.Body.GetProperty("token").GetString()));
        Assert.Equal(202, (await GenerateAsync(generate, $"again-{address}")).StatusCode);
        Assert.Empty(Lines("level", "ERROR"));
    }

    [SkippableTheory]
    [InlineData(SwitchableEndpoint.Mode.Refusing)]
    [InlineData(SwitchableEndpoint.Mode.Hanging)]
    public async Task KmsDownAtInit_VerifyStarts_Answers503_KeepsTheCodeUsable_AndSignsOnceKmsIsBack(SwitchableEndpoint.Mode fault)
    {
        var env = await StackAsync();
        await using var front = new SwitchableEndpoint(_moto.Endpoint, fault);
        var address = $"kms-{fault}-{Guid.NewGuid():N}@example.com".ToLowerInvariant();
        var generate = new GenerateOtp.Function(Services(env, 10));
        var send = new SendOtpEmail.Function(Services(env, 30));
        Assert.Equal(202, (await GenerateAsync(generate, address)).StatusCode);
        Assert.Empty((await SendAsync(send, address)).Failures);
        var code = await CodeMailedToAsync(address);
        ClearLogs();

        var verify = new VerifyOtp.Function(Services(new Dictionary<string, string>(env) { [AwsSettings.KmsEndpointVariable] = front.Url.ToString() }, 10));

        var initFailure = Assert.Single(Lines("event", "key_read_failed").Concat(Lines("event", "key_read_pending")));
        Assert.Equal("token keys", initFailure.GetProperty("key").GetString());
        ClearLogs();
        AssertUnavailable(await JwksAsync(verify));
        AssertUnavailable(await VerifyAsync(verify, address, code));
        Assert.All(Lines("route", "/otp/verify"), l => Assert.Contains(l.GetProperty("errorType").GetString(), new[] { AwsFailureClassifier.ConnectionFailure, AwsFailureClassifier.Timeout, "AmazonClientException", "DeadlineExceeded" }));

        await front.SetAsync(SwitchableEndpoint.Mode.Forwarding);
        var jwks = await JwksAsync(verify);
        Assert.Equal(200, jwks.StatusCode);
        Assert.Single(jwks.Body.GetProperty("keys").EnumerateArray());
        var verified = await VerifyAsync(verify, address, code);
        Assert.Equal((200, "verified"), (verified.StatusCode, verified.Status));
        Assert.Equal(
            jwks.Body.GetProperty("keys")[0].GetProperty("kid").GetString(),
            JsonDocument.Parse(Base64UrlDecode(verified.Body.GetProperty("token").GetString()!.Split('.')[0])).RootElement.GetProperty("kid").GetString());
    }

    [SkippableFact]
    public async Task AMissingSecretAtInit_Is500AndCountedAsConfiguration_AndServesOnceTheSecretExists()
    {
        var name = $"otp-client-missing-{Guid.NewGuid():N}";
        var ringName = $"otp-code-missing-{Guid.NewGuid():N}";
        var env = await StackAsync(clientSecret: name, codeSecret: ringName);
        var address = $"cfg-{Guid.NewGuid():N}@example.com";

        var generate = new GenerateOtp.Function(Services(env, 10));
        var send = new SendOtpEmail.Function(Services(env, 30));

        var initFailures = Lines("event", "key_read_failed");
        Assert.Equal(["client key", "code key ring"], initFailures.Select(l => l.GetProperty("key").GetString()).Order());
        Assert.All(initFailures, l => Assert.Equal(("ERROR", "configuration", "ResourceNotFoundException"),
            (l.GetProperty("level").GetString(), l.GetProperty("failureClass").GetString(), l.GetProperty("errorType").GetString())));
        Assert.Equal(2, Metrics()[MetricNames.KeyReadFailures]);
        ClearLogs();

        var refused = await GenerateAsync(generate, address);
        Assert.Equal((500, "internal_error"), (refused.StatusCode, refused.Status));
        Assert.False(refused.Headers.ContainsKey("Retry-After"));
        Assert.DoesNotContain("Resource", refused.Body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal((1, 1), (Metrics()[MetricNames.InternalErrors], Metrics()[MetricNames.ConfigurationErrors]));
        Assert.Equal("ResourceNotFoundException", Assert.Single(Lines("route", "/otp/generate")).GetProperty("errorType").GetString());

        // The operator creates the secrets: the same instances serve the next request.
        using (var secrets = new MotoSecrets(_moto))
        {
            await secrets.CreateSecretAsync(name, ClientKey);
        }

        Assert.Equal(202, (await GenerateAsync(generate, address)).StatusCode);
        ClearLogs();
        var (failures, sequences) = await SendAsync(send, address);
        Assert.Equal(sequences, failures);
        Assert.Equal(1, Metrics()[MetricNames.MailFailuresConfiguration]);
        using (var secrets = new MotoSecrets(_moto))
        {
            await secrets.CreateSecretAsync(ringName, CodeKey);
        }

        Assert.Empty((await SendAsync(send, address)).Failures);
        Assert.Single(await _emulators.WaitForMailAsync(address));
    }

    [SkippableFact]
    public async Task AMissingKmsKeyAtInit_Is500AndCountedAsConfiguration_AndServesOnceTheKeyExists()
    {
        var alias = $"alias/otp-missing-{Guid.NewGuid():N}";
        var env = await StackAsync(tokenKeyId: alias);

        var verify = new VerifyOtp.Function(Services(env, 10));

        var initFailure = Assert.Single(Lines("event", "key_read_failed"));
        Assert.Equal(("token keys", "configuration", "NotFoundException"),
            (initFailure.GetProperty("key").GetString(), initFailure.GetProperty("failureClass").GetString(), initFailure.GetProperty("errorType").GetString()));
        ClearLogs();
        var refused = await JwksAsync(verify);
        Assert.Equal((500, "internal_error"), (refused.StatusCode, refused.Status));
        Assert.Equal(1, Metrics()[MetricNames.ConfigurationErrors]);

        using (var kms = MotoKms())
        {
            await CreateTokenKeyAsync(kms, alias);
        }

        Assert.Equal(200, (await JwksAsync(verify)).StatusCode);
    }

    [SkippableFact]
    public async Task VerifyInit_ReadsItsKeysInParallel_OneRoundTripNotOnePerKey()
    {
        // Issue 22 item 3: VerifyOtp reads three secrets (client, code and subject keys) and the KMS token
        // key. A front that answers nothing until three connections are open together: reads made one
        // after another never get an answer (the first waits for the second), reads made together do.
        var env = await StackAsync();
        await using var front = new GatheringEndpoint(_moto.Endpoint, gather: 3);
        env[SecretsManagerEndpoint] = front.Url.ToString();

        var verify = new VerifyOtp.Function(Services(env, 10));

        Assert.True(front.Released, $"the Secrets Manager reads did not run together (at most {front.MostHeldAtOnce} at once)");
        Assert.Equal(3, front.MostHeldAtOnce);
        Assert.Empty(Lines("event", "key_read_pending"));
        Assert.Empty(Lines("event", "key_read_failed"));
        Assert.Equal(200, (await JwksAsync(verify)).StatusCode);
    }

    [Fact]
    public void ConfigurationThatNeedsNoCall_StillStopsInit_NamingTheVariable()
    {
        // Inside Lambda with no client key secret: nothing to wait for, so no function is built.
        var env = new Dictionary<string, string>(_emulators.LambdaEnvironment(_table)) { ["AWS_LAMBDA_FUNCTION_NAME"] = "otp-service-GenerateOtp" };

        var error = Assert.Throws<InvalidOperationException>(() => new GenerateOtp.Function(new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = _logs }));

        Assert.Contains(HmacKey.Client.SecretArnVariable, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
