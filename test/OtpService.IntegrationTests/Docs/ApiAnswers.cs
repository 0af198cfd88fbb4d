using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Local.Api;
using OtpService.Local.Lambda;
using OtpService.Tests.Integration;
using OtpService.Tests.Local;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>One real answer of the API: what was asked, and the status, headers and body that came back.</summary>
public sealed record Observed(string Scenario, string Path, string Method, int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The body's <c>status</c> field, or null (API Gateway's own answers have none).</summary>
    public string? BodyStatus
    {
        get
        {
            try
            {
                using var doc = JsonDocument.Parse(Body);
                return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public override string ToString() => $"{Scenario}: {Method} {Path} -> {Status} {Body}";
}

/// <summary>
/// Drives the real API through every answer it gives, once per test run, and keeps what came
/// back. Two sources: (1) the local runner as a process over real HTTP (the full chain: a code
/// read from the SES emulator verifies, then is used; the CORS preflight; /openapi.json), and
/// (2) the real handlers in-process against dynalite with a fake clock (expiry, limits, every
/// bad input, DynamoDB and KMS refusing connections). Faults no real part produces on demand
/// here are injected and named as such: a store that throws an unexpected exception (500), a KMS
/// that refuses the token key (a stand-in: moto may be missing), and a function that crashes
/// (502) or never answers (504) behind the runner's API Gateway stand-in.
/// </summary>
public sealed partial class ApiAnswersFixture : IAsyncLifetime
{
    public const string Generate = "/otp/generate";
    public const string Verify = "/otp/verify";
    public const string Jwks = OtpService.Core.Lambda.Routes.JwksPath;

    /// <summary>The origin the in-process handlers allow, so CORS headers are part of what is checked.</summary>
    public const string BrowserOrigin = "https://www.example.com";

    private static readonly HttpClient Http = Patience.HttpClient();
    private readonly List<Observed> observed = [];

    public IReadOnlyList<Observed> Observed => observed;

    public async Task InitializeAsync()
    {
        await DriveTheRunnerAsync();
        await DriveTheHandlersAsync();
        await DriveTheGatewayFaultAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task DriveTheRunnerAsync()
    {
        var (runner, apiPort, sesPort) = await LocalRunnerProcess.StartApiOnFreePortsAsync();
        await using var _ = runner;
        var api = new Uri($"http://127.0.0.1:{apiPort}");
        var mail = new EmulatorEndpoints(new Uri("http://127.0.0.1:1"), new Uri($"http://127.0.0.1:{sesPort}"), []);
        var address = $"openapi-{Guid.NewGuid():N}@example.com";

        await SendAsync("runner: POST generate (JSON)", api, HttpMethod.Post, Generate, Json(new() { ["email_address"] = address }));
        var code = await MailedCodeAsync(mail, address);
        await SendAsync("runner: POST verify, the mailed code", api, HttpMethod.Post, Verify, Json(new() { ["email_address"] = address, ["otp"] = code }));
        await SendAsync("runner: POST verify, the same code again", api, HttpMethod.Post, Verify, Json(new() { ["email_address"] = address, ["otp"] = code }));
        await SendAsync("runner: GET verify, the used code", api, HttpMethod.Get, $"{Verify}?email_address={Uri.EscapeDataString(address)}&otp={code}");

        var second = $"openapi-{Guid.NewGuid():N}@example.com";
        await SendAsync("runner: GET generate", api, HttpMethod.Get, $"{Generate}?email_address={Uri.EscapeDataString(second)}");
        var secondCode = await MailedCodeAsync(mail, second);
        await SendAsync("runner: GET verify, the mailed code", api, HttpMethod.Get, $"{Verify}?email_address={Uri.EscapeDataString(second)}&otp={secondCode}");

        // A browser's preflight for the page's POST with a JSON body.
        foreach (var path in new[] { Generate, Verify })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(api, path));
            preflight.Headers.TryAddWithoutValidation("Origin", runner.SiteOrigin);
            preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
            preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type");
            await RecordAsync("runner: CORS preflight", path, "OPTIONS", await Http.SendAsync(preflight));
        }

        // Bytes that cannot be read as text (issue 19): 400 naming the field or the body, never a 500.
        await SendAsync("runner: an undecodable escape in the query", api, HttpMethod.Get, $"{Generate}?email_address=hand%FF@example.com");
        await SendAsync("runner: an undecodable escape in a form body", api, HttpMethod.Post, Generate, new StringContent("email_address=hand%G1@example.com", Encoding.ASCII, "application/x-www-form-urlencoded"));
        await SendAsync("runner: a JSON string that is not Unicode", api, HttpMethod.Post, Verify, new StringContent("""{"email_address":"a@example.com","otp":"123456","note":"\ud800"}""", Encoding.ASCII, "application/json"));
        using (var latin1 = new ByteArrayContent(Encoding.Latin1.GetBytes("""{"email_address":"café@example.com"}""")))
        {
            latin1.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=iso-8859-1");
            await SendAsync("runner: a body in another charset", api, HttpMethod.Post, Generate, latin1);
        }

        await SendAsync("runner: the API description", api, HttpMethod.Get, "/openapi.json");
        await SendAsync("runner: the token keys", api, HttpMethod.Get, Jwks);
        await SendAsync("runner: the token keys, a field twice", api, HttpMethod.Get, $"{Jwks}?otp=1&otp=2");

        // API Gateway's own refusals before any function runs: a URL over a regional API's
        // 10,240 characters (414) and a body over its 10 MB (413), sent for real.
        var longQuery = "?email_address=" + new string('a', ApiProxy.MaxUrlLength);
        foreach (var (method, path) in new[] { (HttpMethod.Get, Generate), (HttpMethod.Post, Generate), (HttpMethod.Get, Verify), (HttpMethod.Post, Verify), (HttpMethod.Get, Jwks) })
        {
            await SendAsync("runner: a URL over API Gateway's quota", api, method, path + longQuery, method == HttpMethod.Post ? Json(new() { ["email_address"] = address }) : null);
        }

        // With "Expect: 100-continue", as curl sends it for large bodies: the answer comes on the
        // Content-Length alone, and the client never has to push 10 MB into a closed connection.
        using var patient = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { Timeout = TimeSpan.FromSeconds(60) };
        foreach (var path in new[] { Generate, Verify })
        {
            using var huge = new ByteArrayContent(new byte[ApiProxy.MaxBodyBytes + 1]);
            huge.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, path)) { Content = huge };
            request.Headers.ExpectContinue = true;
            await RecordAsync("runner: a body over API Gateway's 10 MB", path, "POST", await patient.SendAsync(request));
        }
    }

    private async Task SendAsync(string scenario, Uri api, HttpMethod method, string pathAndQuery, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(api, pathAndQuery)) { Content = content };
        using var response = await Http.SendAsync(request);
        await RecordAsync(scenario, pathAndQuery.Split('?')[0], method.Method, response);
    }

    private async Task RecordAsync(string scenario, string path, string method, HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }

        observed.Add(new Observed(scenario, path, method, (int)response.StatusCode, headers, await response.Content.ReadAsStringAsync()));
        response.Dispose();
    }

    private async Task DriveTheHandlersAsync()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        // Every request here comes from one client (ApiEvent's source IP): generous per-client limits,
        // so each scenario meets only the limit it is about; the limit scenarios use their own tables.
        var env = new Dictionary<string, string>(emulators.LambdaEnvironment(await emulators.CreateTableAsync()))
        {
            ["OTP_SIGNING_KEY"] = TestKeys.Development,
            ["OTP_CORS_ALLOWED_ORIGIN"] = BrowserOrigin,
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = "1000",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = "1000",
            ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "1000",
        };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handlers = Handlers(env, clock);
        string NewAddress() => $"openapi-{Guid.NewGuid():N}@example.com";

        // 202 by each way of asking, then the cooldown's 429.
        var address = NewAddress();
        await Call("generate GET", handlers, ApiEvent.Get(Generate).Query("email_address", address));
        await Call("generate POST JSON", handlers, ApiEvent.Post(Generate).Json($$"""{"email_address":"{{NewAddress()}}"}"""));
        await Call("generate POST form", handlers, ApiEvent.Post(Generate).Body("email_address=" + Uri.EscapeDataString(NewAddress()), "application/x-www-form-urlencoded"));
        await Call("generate again within the cooldown", handlers, ApiEvent.Get(Generate).Query("email_address", address));
        await Call("generate POST again within the cooldown", handlers, ApiEvent.Post(Generate).Json($$"""{"email_address":"{{address}}"}"""));

        // Wrong codes until the code is dead (401 ... then 429 without Retry-After). A code is one of
        // 10^6; "000000" being the right one fails this run once in a million.
        await Call("verify POST a wrong code", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{address}}","otp":"000000"}"""));
        for (var i = 1; i <= new OtpSettings().MaxAttempts; i++)
        {
            await Call($"verify a wrong code, try {i + 1}", handlers, ApiEvent.Get(Verify).Query("email_address", address).Query("otp", "000000"));
        }

        await Call("verify POST a dead code", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{address}}","otp":"000000"}"""));

        // Expired: the newest code's lifetime passes (any code: expiry is judged before the comparison).
        var late = NewAddress();
        await Call("generate for expiry", handlers, ApiEvent.Get(Generate).Query("email_address", late));
        clock.Advance(TimeSpan.FromSeconds(new OtpSettings().TtlSeconds + 1));
        await Call("verify after the lifetime", handlers, ApiEvent.Get(Verify).Query("email_address", late).Query("otp", "000000"));
        await Call("verify POST after the lifetime", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{late}}","otp":"000000"}"""));

        // Two mails to one address: the first mail's code is superseded (422), the first request's
        // verification_id is a mismatch (403), on GET and POST. The earlier code is derived from the
        // stored nonce under the development key, as SendOtpEmail derived it for the mail.
        var twice = NewAddress();
        var firstId = await GenerateIdAsync("generate (first of two mails)", handlers, twice);
        var twiceServices = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), clock) { LogOutput = TextWriter.Null };
        var firstCode = (await twiceServices.CreateStore().LoadNewestAsync(twice, default)).Code!;
        var twiceCodes = twiceServices.CreateCodeDerivation();
        var earlier = twiceCodes.Derive(twiceCodes.CurrentKeyVersion, twice, firstCode.Nonce, firstCode.Digits);
        clock.Advance(TimeSpan.FromSeconds(new OtpSettings().ResendCooldownSeconds));
        await GenerateIdAsync("generate (second of two mails)", handlers, twice);
        await Call("verify an earlier mail's code", handlers, ApiEvent.Get(Verify).Query("email_address", twice).Query("otp", earlier));
        await Call("verify POST an earlier mail's code", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{twice}}","otp":"{{earlier}}"}"""));
        await Call("verify with an earlier request's verification_id", handlers, ApiEvent.Get(Verify).Query("email_address", twice).Query("otp", "000000").Query("verification_id", firstId));
        await Call("verify POST with an earlier request's verification_id", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{twice}}","otp":"000000","verification_id":"{{firstId}}"}"""));
        await Call("verify with a malformed verification_id", handlers, ApiEvent.Get(Verify).Query("email_address", twice).Query("otp", "000000").Query("verification_id", "not-an-id"));

        // No code ever sent.
        var unknown = NewAddress();
        await Call("verify an address that got no code", handlers, ApiEvent.Get(Verify).Query("email_address", unknown).Query("otp", "123456"));
        await Call("verify POST an address that got no code", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{unknown}}","otp":"123456"}"""));

        // The per-client and global limits, each in a table of its own: 429 with Retry-After.
        async Task<Dictionary<string, Func<Stream, Task<Stream>>>> Limited(string variable, string value) =>
            Handlers(new Dictionary<string, string>(env) { [variable] = value, ["OTP_TABLE_NAME"] = await emulators.CreateTableAsync() }, clock);
        var failures = await Limited("OTP_CLIENT_MAX_FAILURES_PER_HOUR", "1");
        var guessed = NewAddress();
        await Call("generate (client failure limit 1)", failures, ApiEvent.Get(Generate).Query("email_address", guessed));
        await Call("verify a wrong code (client failure limit 1)", failures, ApiEvent.Get(Verify).Query("email_address", guessed).Query("otp", "000000"));
        await Call("verify past the client's failure limit", failures, ApiEvent.Get(Verify).Query("email_address", guessed).Query("otp", "000000"));
        await Call("verify POST past the client's failure limit", failures, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{guessed}}","otp":"000000"}"""));
        var requests = await Limited("OTP_CLIENT_MAX_REQUESTS_PER_HOUR", "1");
        await Call("generate (client request limit 1)", requests, ApiEvent.Get(Generate).Query("email_address", NewAddress()));
        await Call("generate past the client's request limit", requests, ApiEvent.Get(Generate).Query("email_address", NewAddress()));
        var budget = await Limited("OTP_MAX_SENDS_PER_MINUTE", "1");
        await Call("generate (global budget 1 a minute)", budget, ApiEvent.Get(Generate).Query("email_address", NewAddress()));
        await Call("generate POST past the global budget", budget, ApiEvent.Post(Generate).Json($$"""{"email_address":"{{NewAddress()}}"}"""));

        // Bad input: 400 naming the field.
        await Call("generate without an address", handlers, ApiEvent.Get(Generate));
        await Call("generate with a malformed address", handlers, ApiEvent.Get(Generate).Query("email_address", "not-an-address"));
        await Call("generate with a malformed locale", handlers, ApiEvent.Post(Generate).Json("""{"email_address":"locale@example.com","locale":"en_US"}"""));
        await Call("generate POST text/plain", handlers, ApiEvent.Post(Generate).Body("email_address=a@example.com", "text/plain"));
        await Call("generate POST a field twice", handlers, ApiEvent.Post(Generate).Json("""{"email_address":"a@example.com","email_address":"b@example.com"}"""));
        await Call("verify a code with letters", handlers, ApiEvent.Get(Verify).Query("email_address", address).Query("otp", "12ab56"));
        await Call("verify POST a code as a JSON number", handlers, ApiEvent.Post(Verify).Json($$"""{"email_address":"{{address}}","otp":12}"""));
        await Call("verify POST invalid JSON", handlers, ApiEvent.Post(Verify).Json("{"));
        await Call("verify POST a JSON string that is not Unicode", handlers, ApiEvent.Post(Verify).Json("""{"email_address":"a@example.com","otp":"12345\udc00"}"""));
        await Call("generate POST bytes that are not UTF-8", handlers, ApiEvent.Post(Generate).Base64Body([.. "{\"email_address\":\"a"u8, 0xC0, 0xAF, .. "@example.com\"}"u8], "application/json"));
        await Call("generate with an undecodable escape (HTTP API)", handlers, ApiEvent.HttpApi("GET", Generate, "email_address=hand%FF@example.com"));

        // DynamoDB refuses connections (nothing listens on port 1): 503 on both routes.
        var down = Handlers(new Dictionary<string, string>(env) { ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:1" }, clock);
        foreach (var request in EveryMethod(NewAddress))
        {
            await Call("DynamoDB down", down, request);
        }

        // Injected fault: a store that throws what no storage adapter throws (only a fake can): 500.
        var services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), clock) { LogOutput = TextWriter.Null };
        var broken = DispatchProxy.Create<IOtpStore, ThrowingStore>();
        var failing = new Dictionary<string, Func<Stream, Task<Stream>>>
        {
            [Generate] = new GenerateOtp.Function(new OtpIssuer(broken, services.Settings, clock, services.CreateClientTagger()), services.Settings, services.CreateLog("GenerateOtp")).FunctionHandler,
            [Verify] = new VerifyOtp.Function(new OtpVerifier(broken, services.CreateCodeDerivation(), services.Settings, clock, services.CreateClientTagger()), services.Settings, services.CreateLog("VerifyOtp"), services.CreateTokens()).FunctionHandler,
        };
        foreach (var request in EveryMethod(NewAddress))
        {
            await Call("a store failing unexpectedly (injected)", failing, request);
        }

        // The token keys while KMS refuses connections (nothing listens on port 1), at init and since: 503.
        var kmsDown = new Dictionary<string, string>(env) { ["OTP_TOKEN_SIGNING_KEY_ID"] = "alias/otp-token", ["AWS_ENDPOINT_URL_KMS"] = "http://127.0.0.1:1" };
        await Call("KMS down", new() { [Jwks] = new VerifyOtp.Function(new OtpServices(ServiceConfiguration.Read(kmsDown.GetValueOrDefault), clock) { LogOutput = TextWriter.Null }).FunctionHandler }, ApiEvent.Get(Jwks));

        // KMS refusing the key: a stand-in answering NotFoundException as the KMS API reference documents (moto may be missing here): 500.
        await using var refusingKms = new RefusingAwsEndpoint(System.Net.HttpStatusCode.BadRequest, "NotFoundException", "Alias arn:aws:kms:us-east-1:123456789012:alias/otp-token is not found.");
        var kmsRefuses = new Dictionary<string, string>(kmsDown) { ["AWS_ENDPOINT_URL_KMS"] = refusingKms.Url.ToString() };
        await Call("KMS refusing the token key", new() { [Jwks] = new VerifyOtp.Function(new OtpServices(ServiceConfiguration.Read(kmsRefuses.GetValueOrDefault), clock) { LogOutput = TextWriter.Null }).FunctionHandler }, ApiEvent.Get(Jwks));
    }

    /// <summary>Generates for <paramref name="address"/> and returns the answer's verificationId.</summary>
    private async Task<string> GenerateIdAsync(string scenario, Dictionary<string, Func<Stream, Task<Stream>>> handlers, string address)
    {
        await Call(scenario, handlers, ApiEvent.Get(Generate).Query("email_address", address));
        using var body = JsonDocument.Parse(observed[^1].Body);
        return body.RootElement.GetProperty("verificationId").GetString()!;
    }

    /// <summary>A valid request for each route and method.</summary>
    private static IEnumerable<ApiEvent> EveryMethod(Func<string> newAddress)
    {
        yield return ApiEvent.Get(Generate).Query("email_address", newAddress());
        yield return ApiEvent.Post(Generate).Json($$"""{"email_address":"{{newAddress()}}"}""");
        yield return ApiEvent.Get(Verify).Query("email_address", newAddress()).Query("otp", "123456");
        yield return ApiEvent.Post(Verify).Json($$"""{"email_address":"{{newAddress()}}","otp":"123456"}""");
    }

    private static Dictionary<string, Func<Stream, Task<Stream>>> Handlers(Dictionary<string, string> env, TimeProvider clock)
    {
        var services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), clock) { LogOutput = TextWriter.Null };
        return new()
        {
            [Generate] = new GenerateOtp.Function(services).FunctionHandler,
            [Verify] = new VerifyOtp.Function(services).FunctionHandler,
        };
    }

    private async Task Call(string scenario, Dictionary<string, Func<Stream, Task<Stream>>> handlers, ApiEvent request)
    {
        var proxyEvent = JsonSerializer.Deserialize(request.ToStream(), LambdaJsonContext.Default.ApiGatewayRequest)!;
        var (path, method) = (proxyEvent.Path ?? proxyEvent.RawPath!, proxyEvent.Method!); // REST (v1) or HTTP API (v2)
        var response = JsonSerializer.Deserialize(await handlers[path](request.ToStream()), LambdaJsonContext.Default.ApiGatewayResponse)!;
        observed.Add(new Observed(scenario, path, method, response.StatusCode, response.Headers, response.Body));
    }

    /// <summary>
    /// Injected faults no real part produces on demand: the function crashes (502), or never
    /// answers (504 at API Gateway's integration timeout, here 1 s against a longer Lambda timeout);
    /// the runner answers as API Gateway does, shaped by the template's gateway responses for the
    /// browser origin.
    /// </summary>
    private async Task DriveTheGatewayFaultAsync()
    {
        var responses = OtpService.Local.Template.SamTemplate.Load(name => name == "OTP_CORS_ALLOWED_ORIGIN" ? BrowserOrigin : null).GatewayResponses();
        var crashing = LambdaFunctions.Names.ToDictionary(n => n, n => new FunctionPool(n, () => _ => throw new InvalidOperationException("injected crash")), StringComparer.Ordinal);
        var never = new TaskCompletionSource<Stream>();
        var hanging = LambdaFunctions.Names.ToDictionary(n => n, n => new FunctionPool(n, () => _ => never.Task), StringComparer.Ordinal);
        var longLambdaTimeouts = LambdaFunctions.Names.ToDictionary(n => n, _ => TimeSpan.FromSeconds(60), StringComparer.Ordinal);
        var faults = new[]
        {
            ("a crashing function behind the runner (injected)", new ApiProxy(crashing, TextWriter.Null, TimeProvider.System, gatewayResponses: responses)),
            ("a function that never answers, behind the runner (injected)", new ApiProxy(hanging, TextWriter.Null, TimeProvider.System, gatewayResponses: responses, functionTimeouts: longLambdaTimeouts, integrationTimeout: TimeSpan.FromSeconds(1))),
        };
        foreach (var (scenario, proxy) in faults)
        {
            foreach (var (method, path) in new[] { ("GET", Generate), ("POST", Generate), ("GET", Verify), ("POST", Verify), ("GET", Jwks) })
            {
                var context = new DefaultHttpContext();
                context.Request.Method = method;
                context.Request.Scheme = "http";
                context.Request.Path = path;
                context.Request.Headers.Host = "127.0.0.1:3000";
                context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
                context.Response.Body = new MemoryStream();
                await proxy.HandleAsync(context).WaitAsync(TimeSpan.FromMinutes(2));
                context.Response.Body.Position = 0;
                var headers = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                observed.Add(new Observed(scenario, path, method, context.Response.StatusCode, headers, await new StreamReader(context.Response.Body).ReadToEndAsync()));
            }
        }
    }

    private static StringContent Json(Dictionary<string, string> fields)
    {
        var json = new System.Text.Json.Nodes.JsonObject();
        foreach (var (name, value) in fields)
        {
            json[name] = value;
        }

        var content = new StringContent(json.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    internal static async Task<string> MailedCodeAsync(EmulatorEndpoints mail, string address)
    {
        // Returns as soon as the mail is there; the long bound is for a loaded CI machine (10 s ran out once).
        var sent = await mail.WaitForMailAsync(address);
        var match = CodePattern().Match(sent[^1].Text ?? "");
        return match.Success ? match.Value : throw new InvalidOperationException($"No code in the mail to {address}: {sent[^1].Text}");
    }

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex CodePattern();
}

/// <summary>Injected fault: every call on the store throws an exception no storage adapter maps (a fake, because no real part fails this way).</summary>
public class ThrowingStore : DispatchProxy
{
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        throw new InvalidOperationException("injected fault: the store failed unexpectedly");
}
