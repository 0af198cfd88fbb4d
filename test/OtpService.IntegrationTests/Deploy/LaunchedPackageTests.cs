using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Deploy;

/// <summary>
/// Each function's package, published exactly as its Makefile publishes it (for this machine's
/// architecture), started the way Lambda starts it: the command AWS's launch code builds for the
/// template's Handler (<see cref="LambdaLaunch"/>; read from template.yaml and template-aot.yaml,
/// not written here), Lambda's environment, a Runtime API stand-in on loopback, and the emulators
/// (dynalite, aws-ses-v2-local; moto's server for KMS, which VerifyOtp signs with in Lambda).
/// </summary>
[Collection(PublishedPackages.Name)]
public sealed partial class LaunchedPackageTests(SamBuildFixture build, ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = Patience.Wait;

    public static TheoryData<string> Templates => new() { SamBuildFixture.ManagedTemplate, SamBuildFixture.AotTemplate };

    /// <summary>
    /// The whole flow across three processes, one per function, each serving two events: generate
    /// stores a code, SendOtpEmail mails it from a stream batch built from the stored item, VerifyOtp
    /// accepts the mailed code and signs a token through KMS. Every line each process writes to
    /// stdout arrives whole: a JSON log line or a valid EMF line (nothing wraps stdout any more).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Templates))]
    public async Task EachFunction_StartedAsLambdaStartsIt_AnswersItsEvents_TwoInOneProcess(string template)
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var environment = await LambdaEnvironmentAsync();
        var address = $"launch-{Guid.NewGuid():N}@example.com";

        await using (var generate = Launch(template, "GenerateOtpFunction", environment))
        {
            // Japanese: the mail's words and Humanizer's resources must work in the published package's invariant globalization mode.
            var first = ApiResult.Read((await generate.InvokeAsync(ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{address}}","locale":"ja"}""").ToBytes(), Wait)).Body);
            Assert.Equal((202, "sent"), (first.StatusCode, first.Status));
            var second = ApiResult.Read((await generate.InvokeAsync(ApiEvent.Post("/otp/generate").Json("""{"email_address":"not an address"}""").ToBytes(), Wait)).Body);
            Assert.Equal((400, "invalid_request"), (second.StatusCode, second.Status));
            AssertStdoutIsWholeJsonLines(generate, "GenerateOtp", expectedLogLines: 2);
        }

        var emulators = await EmulatorFixture.StartedAsync();
        var (batch, _) = await TableStream.InsertsAsync(emulators, environment["OTP_TABLE_NAME"], address);
        await using (var send = Launch(template, "SendOtpEmailFunction", environment))
        {
            var answer = await send.InvokeAsync(System.Text.Encoding.UTF8.GetBytes(batch), Wait);
            Assert.Equal(("response", """{"batchItemFailures":[]}"""), (answer.Kind, answer.Text));
            var empty = await send.InvokeAsync("""{"Records":[]}"""u8.ToArray(), Wait);
            Assert.Equal("""{"batchItemFailures":[]}""", empty.Text);
            AssertStdoutIsWholeJsonLines(send, "SendOtpEmail", expectedLogLines: 2);
        }

        var mail = Assert.Single(await emulators.WaitForMailAsync(address, timeout: Wait));
        Assert.Equal("ワンタイムパスワード（有効期間はわずか2 分）", mail.Subject);
        var code = Code().Match(mail.Text ?? "").Value;
        await using (var verify = Launch(template, "VerifyOtpFunction", environment))
        {
            var verified = ApiResult.Read((await verify.InvokeAsync(ApiEvent.Post("/otp/verify").Json($$"""{"email_address":"{{address}}","otp":"{{code}}"}""").ToBytes(), Wait)).Body);
            Assert.Equal((200, "verified"), (verified.StatusCode, verified.Status));
            Assert.Equal(3, verified.Body.GetProperty("token").GetString()!.Split('.').Length);
            var jwks = ApiResult.Read((await verify.InvokeAsync(ApiEvent.Get("/.well-known/jwks.json").ToBytes(), Wait)).Body);
            Assert.Equal(200, jwks.StatusCode);
            Assert.Equal("EC", jwks.Body.GetProperty("keys")[0].GetProperty("kty").GetString());
            AssertStdoutIsWholeJsonLines(verify, "VerifyOtp", expectedLogLines: 2);
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task WithoutATableName_InitFailsToInitError_WithAStackTrace_AndTheProcessExits(string template)
    {
        var environment = new Dictionary<string, string>(await LambdaEnvironmentWithoutKmsAsync());
        environment.Remove("OTP_TABLE_NAME");

        await using var generate = Launch(template, "GenerateOtpFunction", environment);

        var post = await generate.Api.NextPostAsync(Wait);
        Assert.Equal(("init/error", "Runtime.InitError"), (post.Kind, post.ErrorType));
        using var body = JsonDocument.Parse(post.Text);
        Assert.Contains("OTP_TABLE_NAME", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, body.RootElement.GetProperty("stackTrace").GetArrayLength());
        Assert.Equal(1, await generate.WaitForExitAsync(Wait));
        Assert.Equal(0, generate.Api.NextCalls);
        Assert.Contains("\"init_error\"", generate.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The Native AOT bootstrap reads which function to serve from _HANDLER; a name of any other
    /// type or method is refused at init, and the message is plain text even in the trimmed build
    /// (which once printed "Arg_ParamName_Name"). The managed form cannot get a wrong name:
    /// bootstrap.sh runs the assembly the Handler names.
    /// </summary>
    [Theory]
    [InlineData("GenerateOtp::GenerateOtp.Function::AnyMethod")]
    [InlineData("NoSuchFunction")]
    public async Task Aot_AHandlerThatNamesNoFunction_IsRefusedAtInit_InPlainWords(string handler)
    {
        var published = build.Built(SamBuildFixture.AotTemplate, "GenerateOtpFunction") with { Handler = handler };

        await using var launched = LaunchedFunction.Start(published, await LambdaEnvironmentWithoutKmsAsync());

        var post = await launched.Api.NextPostAsync(Wait);
        Assert.Equal(("init/error", "Runtime.NoSuchHandler"), (post.Kind, post.ErrorType));
        var message = JsonDocument.Parse(post.Text).RootElement.GetProperty("errorMessage").GetString()!;
        Assert.Contains($"'{handler}'", message, StringComparison.Ordinal);
        Assert.Contains("GenerateOtp, VerifyOtp, SendOtpEmail", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Arg_", message, StringComparison.Ordinal);
        Assert.Equal(1, await launched.WaitForExitAsync(Wait));
    }

    /// <summary>
    /// Lambda-Runtime-Deadline-Ms reaches the handler's budget: with DynamoDB hanging, a 30 s
    /// function timeout and an invocation deadline 3 s away, the answer is the budget's own 503
    /// (DeadlineExceeded, one second before the deadline), not the store's timeout, which the
    /// 30 s budget alone would have waited for.
    /// </summary>
    [Theory]
    [MemberData(nameof(Templates))]
    public async Task TheInvocationDeadline_EndsTheHandlersBudget(string template)
    {
        await using var hanging = new HangingEndpoint();
        var environment = new Dictionary<string, string>(await LambdaEnvironmentWithoutKmsAsync())
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = hanging.Url.ToString().TrimEnd('/'),
            ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "30",
        };
        await using var generate = Launch(template, "GenerateOtpFunction", environment);
        await generate.Api.WaitForNextCallsAsync(1, Wait);

        var post = await generate.InvokeAsync(ApiEvent.Post("/otp/generate").Json("""{"email_address":"deadline@example.com"}""").ToBytes(), Wait, deadline: TimeSpan.FromSeconds(3));

        Assert.Equal(503, ApiResult.Read(post.Body).StatusCode);
        await WaitForStdoutAsync(generate, l => l.Contains("\"httpStatus\":503", StringComparison.Ordinal));
        using var line = JsonDocument.Parse(generate.StdoutLines.First(l => l.Contains("\"httpStatus\":503", StringComparison.Ordinal)));
        Assert.Equal("DeadlineExceeded", line.RootElement.GetProperty("errorType").GetString());
    }

    /// <summary>
    /// SnapStart in the real package (template.yaml turns it on): with AWS_LAMBDA_INITIALIZATION_TYPE
    /// snap-start the process warms up (a DynamoDB read, and handler calls that write no log line),
    /// then waits in /runtime/restore/next without asking for an event. The restore turns every
    /// connection it had into a black hole; the first request after it must not use one.
    /// </summary>
    [Fact]
    public async Task SnapStart_TheManagedPackage_WarmsUpSilently_WaitsForTheRestore_AndReconnects()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        await using var proxy = new SnapshotProxy(emulators.DynamoDbEndpoint);
        var environment = new Dictionary<string, string>(await LambdaEnvironmentWithoutKmsAsync())
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Url.ToString().TrimEnd('/'),
            ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start",
        };
        await using var generate = Launch(SamBuildFixture.ManagedTemplate, "GenerateOtpFunction", environment);

        using (var restoreAsked = new CancellationTokenSource(Wait))
        {
            while (generate.Api.RestoreCalls == 0 && !generate.HasExited)
            {
                await Task.Delay(50, restoreAsked.Token);
            }
        }

        Assert.False(generate.HasExited, generate.Stderr);
        Assert.True(proxy.Connections >= 1, "the warm-up should have read the table before the snapshot");
        Assert.Equal(0, generate.Api.NextCalls);
        Assert.Empty(generate.StdoutLines);

        proxy.Cut();
        generate.Api.Restore();
        var answer = ApiResult.Read((await generate.InvokeAsync(ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"snap-{{Guid.NewGuid():N}}@example.com"}""").ToBytes(), Wait)).Body);

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(0, proxy.BytesSentOnCutConnections);
        Assert.Equal(["GET restore/next", "GET invocation/next", "POST response"], generate.Api.Calls.Take(3));
    }

    /// <summary>The mail's assemblies: the template engine, the durations' words and the From header's encoder.</summary>
    private static readonly string[] MailAssemblies = ["Scriban.Signed.dll", "Humanizer.dll", "MimeKit.dll"];

    /// <summary>
    /// Issue 22, cold start: only SendOtpEmail mails, so GenerateOtp and VerifyOtp load none of the mail's
    /// assemblies, neither at init nor for a request (the built-in layout is parsed by its first reader; it
    /// was parsed, with Scriban loaded, whenever settings were made). SendOtpEmail loads them at init, before
    /// a SnapStart snapshot. Read from the published package's own process (<c>/proc/PID/maps</c>), after its
    /// first answer, since an in-process check would see what other tests loaded.
    /// </summary>
    [SkippableFact]
    public async Task OnlyTheMailer_LoadsTheMailAssemblies_GenerateAndVerifyNever()
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var environment = await LambdaEnvironmentAsync();
        var address = $"assemblies-{Guid.NewGuid():N}@example.com";

        await using (var generate = Launch(SamBuildFixture.ManagedTemplate, "GenerateOtpFunction", environment))
        {
            var answer = ApiResult.Read((await generate.InvokeAsync(ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{address}}","locale":"ja"}""").ToBytes(), Wait)).Body);
            Assert.Equal(202, answer.StatusCode);
            var loaded = generate.MappedAssemblies();
            output.WriteLine($"GenerateOtp after its first answer: {string.Join(", ", loaded.Order(StringComparer.Ordinal))}");
            Assert.Contains("OtpService.Core.dll", loaded); // the check sees assemblies at all
            Assert.Equal(Array.Empty<string>(), MailAssemblies.Where(loaded.Contains).ToArray()); // a failure names what was loaded
        }

        await using (var verify = Launch(SamBuildFixture.ManagedTemplate, "VerifyOtpFunction", environment))
        {
            var answer = ApiResult.Read((await verify.InvokeAsync(ApiEvent.Post("/otp/verify").Json($$"""{"email_address":"{{address}}","otp":"000000"}""").ToBytes(), Wait)).Body);
            Assert.Equal((401, "wrong_code"), (answer.StatusCode, answer.Status)); // the whole verify path: read, HMAC, the counted try
            Assert.Equal(Array.Empty<string>(), MailAssemblies.Where(verify.MappedAssemblies().Contains).ToArray());
        }

        await using (var send = Launch(SamBuildFixture.ManagedTemplate, "SendOtpEmailFunction", environment))
        {
            await send.Api.WaitForNextCallsAsync(1, Wait); // init done: the loop asks for its first event
            Assert.Contains("Scriban.Signed.dll", send.MappedAssemblies());
        }
    }

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex Code();

    private LaunchedFunction Launch(string template, string logicalId, IReadOnlyDictionary<string, string> environment)
    {
        var published = build.Built(template, logicalId);
        var launched = LaunchedFunction.Start(published, environment);
        output.WriteLine($"{template} {logicalId}: Handler '{published.Handler}' ({published.Runtime}) -> {launched.Command}");
        return launched;
    }

    /// <summary>Every stdout line is one JSON object: the function's log lines (as many as expected) and valid EMF lines.</summary>
    private void AssertStdoutIsWholeJsonLines(LaunchedFunction launched, string function, int expectedLogLines)
    {
        var lines = launched.StdoutLines;
        foreach (var line in lines)
        {
            output.WriteLine(line);
            using var json = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        }

        Assert.Equal(expectedLogLines, lines.Count(l => l.Contains($"\"function\":\"{function}\"", StringComparison.Ordinal)));
        var emf = lines.Where(EmfDocument.IsEmf).ToList();
        Assert.NotEmpty(emf);
        Assert.All(emf, line => Assert.Empty(EmfDocument.Problems(line)));
        Assert.All(emf, line => Assert.StartsWith("otp-launch-", EmfDocument.Member(line, MetricNames.FunctionDimension), StringComparison.Ordinal));
    }

    private static async Task WaitForStdoutAsync(LaunchedFunction launched, Func<string, bool> line)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!launched.StdoutLines.Any(line))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>
    /// What template.yaml gives the functions, pointed at the emulators: a fresh table, keys of our
    /// own (in Lambda the development keys are refused), and a KMS key on moto's server for tokens.
    /// </summary>
    private static async Task<Dictionary<string, string>> LambdaEnvironmentAsync()
    {
        var environment = await LambdaEnvironmentWithoutKmsAsync();
        var moto = await MotoServer.SharedAsync();
        using var kms = TestConfiguration.Kms(name => name == AwsSettings.KmsEndpointVariable ? moto.Endpoint.ToString() : environment.GetValueOrDefault(name));
        var key = await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Description = "OtpService launch test" });
        environment[AwsSettings.KmsEndpointVariable] = moto.Endpoint.ToString().TrimEnd('/');
        environment["OTP_TOKEN_SIGNING_KEY_ID"] = key.KeyMetadata.Arn;
        return environment;
    }

    private static async Task<Dictionary<string, string>> LambdaEnvironmentWithoutKmsAsync()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var environment = new Dictionary<string, string>(emulators.LambdaEnvironment(await emulators.CreateTableAsync()))
        {
            ["OTP_SIGNING_KEY"] = "launch-test-code-key-0123456789abcdef0123456789abcdef",
            ["OTP_CLIENT_KEY"] = "launch-test-client-key-0123456789abcdef0123456789abcdef",
            ["OTP_SUBJECT_KEY"] = "launch-test-subject-key-0123456789abcdef0123456789abcdef",
            ["OTP_TOKEN_AUDIENCE"] = "https://www.example.com",
        };
        environment.Remove("OTP_TOKEN_SIGNING_KEY");
        return environment;
    }
}
