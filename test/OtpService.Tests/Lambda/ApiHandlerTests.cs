using System.Text;
using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>The API handlers end to end over the in-memory store: event in, proxy response out, log line written.</summary>
public class ApiHandlerTests
{
    private const string Address = "user@example.com";
    private readonly RuleHarness _h = new();
    private readonly StringWriter _logs = new();
    private readonly GenerateOtp.Function _generate;
    private readonly VerifyOtp.Function _verify;

    public ApiHandlerTests()
    {
        _generate = new GenerateOtp.Function(_h.Issuer, _h.Settings, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System));
        _verify = new VerifyOtp.Function(_h.Verifier, _h.Settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), OtpService.Tests.Tokens.TokenTestKeys.Tokens(_h.Clock, issuer: OtpService.Tests.Tokens.TokenTestKeys.Issuer));
    }

    private Task<ApiResult> Generate(ApiEvent e) => ApiResult.ReadAsync(_generate.FunctionHandler(e.ToStream()));

    private Task<ApiResult> Verify(ApiEvent e) => ApiResult.ReadAsync(_verify.FunctionHandler(e.ToStream()));

    private Task<ApiResult> Verify(string address, string otp) =>
        Verify(ApiEvent.Get("/otp/verify").Query("email_address", address).Query("otp", otp));

    [Fact]
    public async Task Generate_Answers202WithTheSeedWords()
    {
        var result = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        Assert.Equal(202, result.StatusCode);
        Assert.Equal("sent", result.Status);
        Assert.Equal("A verification code is sent to the email address you provided.", result.Message);
        Assert.Equal(120, result.Number("expiresInSeconds"));
        Assert.Equal("application/json", result.Headers["Content-Type"]);
        Assert.Equal("no-store", result.Headers["Cache-Control"]);
        Assert.False(result.Headers.ContainsKey("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Answers_CarryTheConfiguredCorsOrigin()
    {
        var settings = _h.Settings with { CorsAllowedOrigin = "https://app.example.com" };
        var generate = new GenerateOtp.Function(_h.Issuer, settings, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System));

        var result = await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", "bad").ToStream()));

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("https://app.example.com", result.Headers["Access-Control-Allow-Origin"]);
        Assert.Equal("Retry-After", result.Headers["Access-Control-Expose-Headers"]);
    }

    [Fact]
    public async Task Answers_WithoutACorsOrigin_ExposeNoHeaders()
    {
        var result = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        Assert.False(result.Headers.ContainsKey("Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task Generate_NormalizesTheAddressItStores()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", "  User@Example.COM "));

        Assert.Single(_h.Store.Codes(Address));
    }

    [Fact]
    public async Task Generate_TooSoon_Answers429WithRetryAfter()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        var result = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        Assert.Equal(429, result.StatusCode);
        Assert.Equal("rate_limited", result.Status);
        Assert.Equal(30, result.Number("retryAfterSeconds"));
        Assert.Equal("30", result.Headers["Retry-After"]);
    }

    [Fact]
    public async Task Verify_AnswersEveryOutcomeWithDesignStatusAndSeedWords()
    {
        Assert.Equal((404, "not_found", "No such OTP was shared"), Triple(await Verify(Address, "123456")));

        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        var code = _h.CurrentCode(Address);
        var wrong = await Verify(Address, RuleHarness.Wrong(code));
        Assert.Equal((401, "wrong_code", "Wrong OTP"), Triple(wrong));
        Assert.Equal(4, wrong.Number("attemptsRemaining"));

        Assert.Equal((200, "verified", "Verified"), Triple(await Verify(Address, code)));
        Assert.Equal((409, "already_used"), Pair(await Verify(Address, code)));

        _h.Advance(30);
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        var fresh = _h.CurrentCode(Address);
        _h.Advance(121);
        Assert.Equal((410, "expired", "Time Over"), Triple(await Verify(Address, fresh)));
    }

    [Fact]
    public async Task Verify_AfterFiveWrongTries_Answers429TooManyAttempts()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        var code = _h.CurrentCode(Address);
        for (var i = 0; i < 5; i++)
        {
            await Verify(Address, RuleHarness.Wrong(code));
        }

        Assert.Equal((429, "too_many_attempts"), Pair(await Verify(Address, code)));
    }

    [Fact]
    public async Task Verify_AcceptsPostWithJsonOrFormBody()
    {
        await Generate(ApiEvent.Post("/otp/generate").Json($$"""{"email_address": "{{Address}}"}"""));
        var code = _h.CurrentCode(Address);

        var wrong = await Verify(ApiEvent.Post("/otp/verify").Body($"email_address={Uri.EscapeDataString(Address)}&otp={RuleHarness.Wrong(code)}", "application/x-www-form-urlencoded"));
        var right = await Verify(ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{Address}}", "otp": "{{code}}"}"""));

        Assert.Equal(401, wrong.StatusCode);
        Assert.Equal(200, right.StatusCode);
    }

    public static TheoryData<string, ApiEvent, string> BadRequests() => new()
    {
        { "missing address", ApiEvent.Get("/otp/verify").Query("otp", "123456"), "email_address" },
        { "empty address", ApiEvent.Get("/otp/verify").Query("email_address", "").Query("otp", "123456"), "email_address" },
        { "malformed address", ApiEvent.Get("/otp/verify").Query("email_address", "not-an-address").Query("otp", "123456"), "email_address" },
        { "oversized address", ApiEvent.Get("/otp/verify").Query("email_address", new string('a', 300) + "@example.com").Query("otp", "123456"), "email_address" },
        { "missing otp", ApiEvent.Get("/otp/verify").Query("email_address", Address), "otp" },
        { "letters in otp", ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "12a456"), "otp" },
        { "short otp", ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "12345"), "otp" },
        { "oversized otp", ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", new string('1', 5000)), "otp" },
        { "duplicated parameter", ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("email_address", "b@example.com").Query("otp", "123456"), "email_address" },
        { "malformed JSON", ApiEvent.Post("/otp/verify").Json("{\"email_address\": "), "body" },
        { "JSON array", ApiEvent.Post("/otp/verify").Json("[1,2]"), "body" },
        { "otp as a JSON number that lost a leading zero", ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{Address}}", "otp": 12345}"""), "otp" },
        { "field in query and body", ApiEvent.Post("/otp/verify").Query("otp", "123456").Json($$"""{"email_address": "{{Address}}", "otp": "123456"}"""), "otp" },
        { "unsupported body type", ApiEvent.Post("/otp/verify").Body("email_address=x", "text/plain"), "body" },
        { "oversized body", ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{Address}}", "pad": "{{new string('x', 5000)}}"}"""), "body" },
        { "wrong method", ApiEvent.Get("/otp/verify").At("/otp/verify", "DELETE"), "method" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Verify_BadInput_Answers400NamingTheField(string because, ApiEvent request, string field)
    {
        var result = await Verify(request);

        Assert.True(400 == result.StatusCode, because);
        Assert.Equal("invalid_request", result.Status);
        Assert.Equal(field, result.Body.GetProperty("field").GetString());
        Assert.StartsWith(field, result.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, ApiEvent> BadVerificationIds()
    {
        var data = new TheoryData<string, ApiEvent>();
        foreach (var (because, value) in new[]
        {
            ("empty", ""),
            ("one character short", "AAAAAAAAAAAAAAAAAAAAA"),
            ("one character long", "AAAAAAAAAAAAAAAAAAAAAAA"),
            ("padded base64", "AAAAAAAAAAAAAAAAAAAA=="),
            ("base64 not base64url", "AAAAAAAAAAAAAAAAAAAA+/"),
            ("a space inside", "AAAAAAAAAA AAAAAAAAAAA"),
            ("full-width letters", "ＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡＡ"),
            ("huge", new string('A', 3000)),
        })
        {
            data.Add("query, " + because, ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "123456").Query("verification_id", value));
            data.Add("JSON, " + because, ApiEvent.Post("/otp/verify").Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["email_address"] = Address, ["otp"] = "123456", ["verification_id"] = value })));
        }

        foreach (var literal in new[] { "123", "null", "true", "{}", "[\"AAAAAAAAAAAAAAAAAAAAAA\"]" })
        {
            data.Add("JSON " + literal, ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{Address}}", "otp": "123456", "verification_id": {{literal}}}"""));
        }

        data.Add("given twice", ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "123456")
            .Query("verification_id", "AAAAAAAAAAAAAAAAAAAAAA").Query("verification_id", "BBBBBBBBBBBBBBBBBBBBBB"));
        data.Add("in query and body", ApiEvent.Post("/otp/verify").Query("verification_id", "AAAAAAAAAAAAAAAAAAAAAA")
            .Json($$"""{"email_address": "{{Address}}", "otp": "123456", "verification_id": "AAAAAAAAAAAAAAAAAAAAAA"}"""));
        return data;
    }

    [Theory]
    [MemberData(nameof(BadVerificationIds))]
    public async Task Verify_AMalformedVerificationId_Answers400NamingTheField_AndCountsNothing(string because, ApiEvent request)
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        var result = await Verify(request);

        Assert.True(400 == result.StatusCode, because);
        Assert.Equal("verification_id", result.Body.GetProperty("field").GetString());
        Assert.StartsWith("verification_id ", result.Message, StringComparison.Ordinal);
        Assert.True(result.Message.Length < 200, because);
        Assert.Equal(0, _h.Store.Record(Address).Attempts);
    }

    [Fact]
    public async Task Generate_Answers202WithAVerificationId_ThatBindsVerifyToItsCode()
    {
        var first = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        _h.Advance(30);
        var second = await Generate(ApiEvent.Post("/otp/generate").Json($$"""{"email_address": "{{Address}}"}"""));
        var firstId = first.Body.GetProperty("verificationId").GetString()!;
        var secondId = second.Body.GetProperty("verificationId").GetString()!;
        var code = _h.CurrentCode(Address);

        Assert.Matches("^[A-Za-z0-9_-]{22}$", firstId);
        Assert.NotEqual(firstId, secondId);
        var mismatch = await Verify(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code).Query("verification_id", firstId));
        Assert.Equal((403, "verification_id_mismatch"), Pair(mismatch));
        Assert.Contains("newer code", mismatch.Message, StringComparison.Ordinal);
        var verified = await Verify(ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{Address}}", "otp": "{{code}}", "verification_id": "{{secondId}}"}"""));
        Assert.Equal((200, "verified"), Pair(verified));
        Assert.DoesNotContain(firstId, _logs.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secondId, _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AnEarlierMailsCode_Answers422Superseded_NotCountedAsAWrongTry()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        var earlier = _h.CurrentCode(Address);
        _h.Advance(30);
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        var result = await Verify(Address, earlier);

        Assert.Equal((422, "superseded"), Pair(result));
        Assert.Contains("newest email", result.Message, StringComparison.Ordinal);
        Assert.False(result.Body.TryGetProperty("attemptsRemaining", out _));
        Assert.Equal(4, (await Verify(Address, RuleHarness.Wrong(_h.CurrentCode(Address)))).Number("attemptsRemaining"));
    }

    [Fact]
    public async Task Verify_WhenTheIdIsRequired_RefusesARequestWithoutIt_NamingTheField_AndTakesOneWithIt()
    {
        var settings = _h.Settings with { RequireVerificationId = true };
        var verify = new VerifyOtp.Function(_h.Verifier, settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), OtpService.Tests.Tokens.TokenTestKeys.Tokens(_h.Clock, issuer: OtpService.Tests.Tokens.TokenTestKeys.Issuer));
        var id = (await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address))).Body.GetProperty("verificationId").GetString();
        var code = _h.CurrentCode(Address);

        var without = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code).ToStream()));
        var with = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code).Query("verification_id", id!).ToStream()));

        Assert.Equal((400, "invalid_request"), Pair(without));
        Assert.Equal("verification_id", without.Body.GetProperty("field").GetString());
        Assert.StartsWith("verification_id is required", without.Message, StringComparison.Ordinal);
        Assert.Equal((200, "verified"), Pair(with));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"queryStringParameters\": null}")]
    [InlineData("not json at all")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Generate_WithAnUnusableEvent_Answers400AndWritesNothing(string raw)
    {
        var result = await ApiResult.ReadAsync(_generate.FunctionHandler(ApiEvent.Raw(raw)));

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("invalid_request", result.Status);
        Assert.Empty(_h.Store.Codes(Address));
    }

    [Fact]
    public async Task Generate_WhenStorageIsDown_Answers503WithoutInternals()
    {
        _h.Store.Unavailable = true;

        var result = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        Assert.Equal((503, "unavailable"), Pair(result));
        Assert.Equal("2", result.Headers["Retry-After"]);
        Assert.Equal(2, result.Number("retryAfterSeconds"));
        Assert.DoesNotContain("in-memory", result.Body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1, EmfDocument.MetricsIn(_logs.ToString())[MetricNames.Unavailable]);
    }

    [Fact]
    public async Task Generate_WhenTheTableIsMisconfigured_Answers500_LoggingTheErrorTypeOnly()
    {
        _h.Store.FailEveryCallWith = Failures.StoreConfiguration("DynamoDB was refused: HTTP 400 ResourceNotFoundException.", "ResourceNotFoundException");

        var result = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));

        Assert.Equal((500, "internal_error"), Pair(result));
        Assert.False(result.Headers.ContainsKey("Retry-After"));
        Assert.DoesNotContain("Resource", result.Body.GetRawText(), StringComparison.Ordinal);
        var line = JsonDocument.Parse(LogLines().Single()).RootElement;
        Assert.Equal(("ERROR", "ResourceNotFoundException"), (line.GetProperty("level").GetString(), line.GetProperty("errorType").GetString()));
        Assert.Equal(1, EmfDocument.MetricsIn(_logs.ToString())[MetricNames.InternalErrors]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Api_WhenStorageHangsPastTheBudget_Answers503WithRetryAfter_AndLogsIt(bool callIgnoresCancellation)
    {
        // A 3 s function timeout leaves a 2 s budget; the store never answers (and may not even
        // honour the token): the handler answers 503 itself instead of running into Lambda's timeout.
        // The budget runs on the function's one clock (the harness's fake one): the hang lets 3 s pass on it.
        var store = new HangingOtpStore(callIgnoresCancellation, whileHanging: () => _h.Clock.Advance(TimeSpan.FromSeconds(3)));
        var settings = _h.Settings with { FunctionTimeoutSeconds = 3 };
        var verify = new VerifyOtp.Function(new OtpVerifier(store, _h.Derivation, settings, _h.Clock, _h.Tagger), settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), OtpService.Tests.Tokens.TokenTestKeys.Tokens(_h.Clock, issuer: OtpService.Tests.Tokens.TokenTestKeys.Issuer));

        var result = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "123456").ToStream()));

        Assert.Equal((503, "unavailable"), Pair(result));
        Assert.Equal("2", result.Headers["Retry-After"]);
        Assert.True(store.Calls >= 1, "the rule must have reached the store");
        var line = JsonDocument.Parse(LogLines().Single()).RootElement;
        Assert.Equal(("ERROR", "DeadlineExceeded", 503), (line.GetProperty("level").GetString(), line.GetProperty("errorType").GetString(), line.GetProperty("httpStatus").GetInt32()));
        Assert.Contains("budget of 2 s", line.GetProperty("error").GetString(), StringComparison.Ordinal);
        var metrics = EmfDocument.MetricsIn(_logs.ToString());
        Assert.Equal((1, 1), (metrics[MetricNames.Unavailable], metrics[MetricNames.DeadlineExceeded]));
    }

    [Fact]
    public async Task Handlers_LogOneJsonLinePerInvocation_WithoutTheCodeOrTheAddress()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        var code = _h.CurrentCode(Address);
        await Verify(Address, RuleHarness.Wrong(code));
        await Verify(Address, code);

        var lines = LogLines();
        Assert.Equal(3, lines.Count);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["sent", "wrong_code", "verified"], entries.Select(e => e.GetProperty("outcome").GetString()));
        Assert.All(entries, e => Assert.Equal("u***@example.com", e.GetProperty("address").GetString()));
        Assert.All(entries, e => Assert.True(e.GetProperty("durationMs").GetDouble() >= 0));
        Assert.DoesNotContain(code, _logs.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Address, _logs.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(_h.Store.Codes(Address)[0].Nonce), _logs.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.Development, _logs.ToString(), StringComparison.Ordinal);
        // And one EMF line per invocation counting its outcome, under the function's name.
        var emf = EmfDocument.LinesIn(_logs.ToString());
        Assert.Equal(3, emf.Count);
        Assert.Equal(["GenerateOtp", "VerifyOtp", "VerifyOtp"], emf.Select(l => EmfDocument.Member(l, MetricNames.FunctionDimension)));
        Assert.Equal([MetricNames.CodesIssued, MetricNames.WrongCode, MetricNames.Verified], emf.Select(l => EmfDocument.Metrics(l).Single().Key));
    }

    [Theory]
    [InlineData("pat\u200Bsmith@example.com", "invalid email_address: U+200B")]
    [InlineData("jürgen@example.com", "invalid email_address: U+00FC")]
    [InlineData("userexample.com", "invalid email_address")]
    public async Task ARefusedAddress_IsSaidInPlainWords_AndTheLogLineKeepsTheTechnicalReason(string address, string note)
    {
        var result = await Generate(ApiEvent.Post("/otp/generate").Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["email_address"] = address })));

        Assert.Equal((400, "invalid_request", "email_address"), (result.StatusCode, result.Status, result.Body.GetProperty("field").GetString()));
        Assert.DoesNotContain("U+", result.Message, StringComparison.Ordinal);
        var line = JsonDocument.Parse(LogLines().Single()).RootElement;
        Assert.Equal(note, line.GetProperty("note").GetString());
    }

    [Theory]
    [InlineData(GenerateStatus.Cooldown, "A code was just sent to this address.")]
    [InlineData(GenerateStatus.RateLimited, "Several codes were sent to this address recently.")]
    public void TheSendLimitsAnswers_SayWhatToDo_WithoutTooMany(GenerateStatus status, string start)
    {
        var answer = OtpService.Core.Lambda.ApiResponses.For(new GenerateOutcome(status, RetryAfterSeconds: 30));

        Assert.Equal((429, "rate_limited"), (answer.StatusCode, answer.Body.Status));
        Assert.StartsWith(start, answer.Body.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Too many", answer.Body.Message, StringComparison.Ordinal);
    }

    /// <summary>The JSON log lines (not the EMF metric lines).</summary>
    private List<string> LogLines() =>
        _logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !EmfDocument.IsEmf(l)).ToList();

    [Fact]
    public async Task Verify_AcceptsAnHttpApiV2Event_AndRefusesARepeatedRawParameter()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address));
        var code = _h.CurrentCode(Address);
        string V2(string rawQuery) => $$$"""
            {"version":"2.0","routeKey":"GET /otp/verify","rawPath":"/otp/verify","rawQueryString":"{{{rawQuery}}}",
             "queryStringParameters":{"email_address":"{{{Address}}}","otp":"{{{code}}}"},
             "requestContext":{"requestId":"r1","http":{"method":"GET","path":"/otp/verify","sourceIp":"203.0.113.7"}},"isBase64Encoded":false}
            """;

        var repeated = await ApiResult.ReadAsync(_verify.FunctionHandler(ApiEvent.Raw(V2($"email_address={Address}&otp={code}&otp={code}"))));
        var ok = await ApiResult.ReadAsync(_verify.FunctionHandler(ApiEvent.Raw(V2($"email_address={Uri.EscapeDataString(Address)}&otp={code}"))));

        Assert.Equal((400, "invalid_request"), Pair(repeated));
        Assert.Equal(200, ok.StatusCode);
    }

    private static (int, string, string) Triple(ApiResult r) => (r.StatusCode, r.Status, r.Message);

    private static (int, string) Pair(ApiResult r) => (r.StatusCode, r.Status);

    [Fact]
    public async Task Generate_BeyondTheClientsShare_Answers429WithRetryAfter_AndAnotherIpStillGetsACode()
    {
        for (var i = 0; i < _h.Settings.ClientMaxSendsPerAddressPerHour; i++)
        {
            Assert.Equal(202, (await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address).From("192.0.2.9"))).StatusCode);
            _h.Advance(30);
        }

        var limited = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address).From("192.0.2.9"));
        var other = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address).From("192.0.2.10"));

        Assert.Equal((429, "rate_limited"), Pair(limited));
        Assert.Equal(limited.Number("retryAfterSeconds")?.ToString(System.Globalization.CultureInfo.InvariantCulture), limited.Headers["Retry-After"]);
        Assert.Equal(202, other.StatusCode);
    }

    [Fact]
    public async Task Generate_OverTheClientsHour_AndOverTheGlobalBudget_Answer429RateLimitedWithRetryAfter()
    {
        var h = new RuleHarness(new OtpSettings { ClientMaxRequestsPerHour = 1, MaxSendsPerMinute = 2 });
        var generate = new GenerateOtp.Function(h.Issuer, h.Settings, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System));
        Task<ApiResult> Ask(string address, string ip) => ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", address).From(ip).ToStream()));
        await Ask("a@example.com", "192.0.2.1");
        await Ask("b@example.com", "192.0.2.2");

        var client = await Ask("c@example.com", "192.0.2.1");
        var budget = await Ask("c@example.com", "192.0.2.3");

        foreach (var result in new[] { client, budget })
        {
            Assert.Equal((429, "rate_limited"), Pair(result));
            Assert.True(result.Number("retryAfterSeconds") >= 1);
            Assert.Equal(result.Number("retryAfterSeconds")?.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Headers["Retry-After"]);
        }

        Assert.NotEqual(client.Message, budget.Message);
        Assert.Contains("\"limit\":\"client\"", _logs.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"limit\":\"budget\"", _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OverTheClientsFailures_Answers429TooManyAttemptsWithRetryAfter()
    {
        var h = new RuleHarness(new OtpSettings { ClientMaxFailuresPerHour = 1 });
        var verify = new VerifyOtp.Function(h.Verifier, h.Settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), OtpService.Tests.Tokens.TokenTestKeys.Tokens(h.Clock, issuer: OtpService.Tests.Tokens.TokenTestKeys.Issuer));
        await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "123456").ToStream()));

        var refused = await ApiResult.ReadAsync(verify.FunctionHandler(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "123456").ToStream()));

        Assert.Equal((429, "too_many_attempts"), Pair(refused));
        Assert.True(refused.Headers.ContainsKey("Retry-After"));
    }

    [Fact]
    public async Task Generate_WithGetSwitchedOff_RefusesGetNamingTheMethod_AndTakesPost()
    {
        var generate = new GenerateOtp.Function(_h.Issuer, _h.Settings with { GenerateAllowsGet = false }, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System));

        var get = await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", Address).ToStream()));
        var post = await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{Address}}"}""").ToStream()));

        Assert.Equal((400, "invalid_request"), Pair(get));
        Assert.Equal("method", get.Body.GetProperty("field").GetString());
        Assert.Equal(202, post.StatusCode);
        Assert.Single(_h.Store.Codes(Address));
    }

    [Fact]
    public async Task Verify_AcceptsTheLongCodeLength_AndNamesBothLengthsWhenWrong()
    {
        var result = await Verify(Address, "1234567");

        Assert.Equal((400, "invalid_request"), Pair(result));
        Assert.Equal("otp must have 6 digits (10 if the email shows a longer code); copy it from the newest email", result.Message);
        Assert.Equal((404, "not_found"), Pair(await Verify(Address, "1234567890")));
    }

    [Theory]
    [InlineData(null, "203.0.113.7")]
    [InlineData("X-Client-IP", "192.0.2.55")]
    public async Task Generate_KeysTheClientOnTheSourceIpOrTheNamedHeader(string? header, string expectedClient)
    {
        var h = new RuleHarness(new OtpSettings { ClientIpHeader = header });
        var generate = new GenerateOtp.Function(h.Issuer, h.Settings, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System));

        await ApiResult.ReadAsync(generate.FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", Address).Header("X-Client-IP", "192.0.2.55, 10.0.0.1").ToStream()));

        Assert.True(h.Store.Record(Address).Senders.ContainsKey(h.Tagger.Client(expectedClient)));
    }

    [Fact]
    public async Task Generate_KeysTheClientOnAnHttpApiV2SourceIp()
    {
        var raw = "{\"version\":\"2.0\",\"routeKey\":\"GET /otp/generate\",\"rawPath\":\"/otp/generate\",\"rawQueryString\":\"email_address=" + Address
            + "\",\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\"/otp/generate\",\"sourceIp\":\"192.0.2.200\"}}}";

        Assert.Equal(202, (await ApiResult.ReadAsync(_generate.FunctionHandler(ApiEvent.Raw(raw)))).StatusCode);
        Assert.True(_h.Store.Record(Address).Senders.ContainsKey(_h.Tagger.Client("192.0.2.200")));
    }

    [Fact]
    public async Task NoAnswerOrLogLine_HoldsTheCallersIp()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address).From("192.0.2.77"));
        await Verify(ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", "123456").From("192.0.2.77"));

        Assert.DoesNotContain("192.0.2.77", _logs.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_h.Store.Record(Address).Senders.Keys, k => k.Contains("192.0.2.77", StringComparison.Ordinal));
    }
}
