using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Lambda;
using OtpService.Local.Api;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Issue 10's inputs through the real handlers and rules over the in-memory store: addresses
/// and codes as people type them, and the encodings their clients send.
/// </summary>
public class TypedInputTests
{
    private const string IdnKey = "idn@xn--bcher-kva.example";
    // Every request here comes from one sample event's IP and some tests issue codes to many
    // addresses: the per-client and global limits (tested elsewhere) are lifted out of the way.
    private readonly RuleHarness _h = new(new OtpService.Core.Rules.OtpSettings
    {
        ClientMaxRequestsPerHour = 100_000,
        ClientMaxAddressesPerHour = 100_000,
        MaxSendsPerMinute = 100_000,
    });
    private readonly GenerateOtp.Function _generate;
    private readonly VerifyOtp.Function _verify;

    public TypedInputTests()
    {
        _generate = new GenerateOtp.Function(_h.Issuer, _h.Settings, new InvocationLog(TextWriter.Null, "GenerateOtp", TimeProvider.System));
        _verify = new VerifyOtp.Function(_h.Verifier, _h.Settings, new InvocationLog(TextWriter.Null, "VerifyOtp", TimeProvider.System), OtpService.Tests.Tokens.TokenTestKeys.Tokens(_h.Clock, issuer: OtpService.Tests.Tokens.TokenTestKeys.Issuer));
    }

    [Fact]
    public async Task AUnicodeDomain_IsStoredAndVerifiedUnderItsAsciiKey_WhicheverWayItIsWritten()
    {
        var sent = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", "idn@bücher.example"));

        Assert.Equal(202, sent.StatusCode);
        Assert.Single(_h.Store.Codes(IdnKey));
        var code = _h.CurrentCode(IdnKey);
        var wrong = await Verify(Get("idn@bu\u0308cher\u3002EXAMPLE", RuleHarness.Wrong(code)));
        var right = await Verify(Get(IdnKey, code));
        Assert.Equal((401, 200), (wrong.StatusCode, right.StatusCode));
    }

    [Theory]
    [InlineData("jürgen@example.com", "'ü' before the @")]
    [InlineData("pat\u200Bsmith@example.com", "invisible character")]
    [InlineData("soft\u00ADhyphen@example.com", "invisible character")]
    [InlineData("user@xn--abc.example", "not a valid domain name")]
    public async Task AnAddressSesCannotDeliverTo_Is400NamingTheField_AndStoresNothing(string address, string reasonPart)
    {
        var result = await Generate(ApiEvent.Post("/otp/generate").Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["email_address"] = address })));

        Assert.Equal((400, "invalid_request", "email_address"), (result.StatusCode, result.Status, result.Body.GetProperty("field").GetString()));
        Assert.StartsWith("email_address ", result.Message, StringComparison.Ordinal);
        Assert.Contains(reasonPart, result.Message, StringComparison.Ordinal);
        Assert.Equal(0, _h.Store.CodeCount);
    }

    [Theory]
    [InlineData("bob news@example.com")]
    [InlineData(" bob news@example.com ")]
    public async Task APlusThatApiGatewayDecodedToASpace_IsReadAsPlus_InTheRestPayload(string decoded)
    {
        // What REST API puts in (multiValue)queryStringParameters for ?email_address=bob+news@example.com.
        var result = await Generate(ApiEvent.Get("/otp/generate").Query("email_address", decoded));

        Assert.Equal(202, result.StatusCode);
        Assert.Single(_h.Store.Codes("bob+news@example.com"));
    }

    [Fact]
    public async Task APlusInTheRawQuery_IsReadAsPlus_InTheHttpApiPayload()
    {
        var generated = await Generate(V2("GET /otp/generate", "email_address=bob+news@example.com"));
        var code = _h.CurrentCode("bob+news@example.com");
        var verified = await Verify(V2("GET /otp/verify", $"email_address=bob+news%40example.com&otp={code[..3]}+{code[3..]}"));

        Assert.Equal((202, 200), (generated.StatusCode, verified.StatusCode));
    }

    [Fact]
    public async Task APlusInTheQuery_IsReadAsPlus_ThroughTheLocalRunnersEvent()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/otp/generate";
        context.Request.QueryString = new QueryString("?email_address=bob+news@example.com");
        var request = await ProxyEventBuilder.BuildAsync(context, ApiRoutes.All[0], TimeProvider.System, CancellationToken.None);
        var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(request, LambdaJsonContext.Default.ApiGatewayRequest));

        var result = await ApiResult.ReadAsync(_generate.FunctionHandler(stream));

        Assert.Equal(202, result.StatusCode);
        Assert.Single(_h.Store.Codes("bob+news@example.com"));
    }

    [Fact]
    public async Task AFormBody_FollowsTheFormEncoding_PlusIsASpace_AndSaysToSendPercent2B()
    {
        var raw = await Generate(ApiEvent.Post("/otp/generate").Body("email_address=bob+news@example.com", "application/x-www-form-urlencoded"));
        var encoded = await Generate(ApiEvent.Post("/otp/generate").Body("email_address=bob%2Bnews%40example.com", "application/x-www-form-urlencoded"));
        var padded = await Generate(ApiEvent.Post("/otp/generate").Body("email_address=+pad%40example.com+", "application/x-www-form-urlencoded"));

        Assert.Equal(400, raw.StatusCode);
        Assert.Equal("email_address must not contain spaces (in a form body a + stands for a space: send a + as %2B)", raw.Message);
        Assert.Equal((202, 202), (encoded.StatusCode, padded.StatusCode));
        Assert.Single(_h.Store.Codes("bob+news@example.com"));
        Assert.Single(_h.Store.Codes("pad@example.com"));
    }

    [Fact]
    public async Task AJsonBody_KeepsASpaceAsASpace_AndRefusesIt()
    {
        var result = await Generate(ApiEvent.Post("/otp/generate").Json("""{"email_address": "bob news@example.com"}"""));

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("email_address must not contain spaces or line breaks", result.Message);
    }

    [Fact]
    public async Task ACodeTypedOnAJapaneseKeyboard_OrWithSeparators_Verifies()
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", "user@example.com"));
        var code = _h.CurrentCode("user@example.com");
        var fullWidth = new string(code.Select(c => (char)('\uFF10' + (c - '0'))).ToArray());

        var result = await Verify(Get("user@example.com", fullWidth));

        Assert.Equal(200, result.StatusCode);
    }

    [Theory]
    [InlineData(" {0} - {1} ")]
    [InlineData("{0}\u00A0{1}")]
    [InlineData("{0}\u2212{1}")]
    public async Task ACodeWithSpacesOrHyphensBetweenGroups_Verifies(string format)
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", "user@example.com"));
        var code = _h.CurrentCode("user@example.com");

        var result = await Verify(ApiEvent.Post("/otp/verify").Json(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["email_address"] = "user@example.com",
            ["otp"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, code[..3], code[3..]),
        })));

        Assert.Equal(200, result.StatusCode);
    }

    [Fact]
    public async Task ACodeAsAJsonNumber_VerifiesWhenItHasAllItsDigits_AndOtherwiseSaysToSendAString()
    {
        var (full, address) = await CodeWhere(c => c[0] != '0');
        var (zeroLed, zeroAddress) = await CodeWhere(c => c[0] == '0');

        var lost = await Verify(ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{zeroAddress}}", "otp": {{long.Parse(zeroLed, System.Globalization.CultureInfo.InvariantCulture)}}}"""));
        var right = await Verify(ApiEvent.Post("/otp/verify").Json($$"""{"email_address": "{{address}}", "otp": {{full}}}"""));

        Assert.Equal(200, right.StatusCode);
        Assert.Equal((400, "otp"), (lost.StatusCode, lost.Body.GetProperty("field").GetString()));
        Assert.Contains("send the code as a JSON string", lost.Message, StringComparison.Ordinal);
        Assert.Equal(0, _h.Store.Record(zeroAddress).Attempts);
    }

    public static TheoryData<string, string> MalformedCodes() => new()
    {
        { "query letters", "otp=12a456" },
        { "query too short", "otp=12345" },
        { "query too long", "otp=1234567" },
        { "query empty", "otp=" },
        { "query trailing hyphen", "otp=123456-" },
        { "query superscript", "otp=12345%C2%B2" },
        { "json lost zero", """{"otp": 12345}""" },
        { "json exponent", """{"otp": 4.7489e5}""" },
        { "json fraction", """{"otp": 474890.0}""" },
        { "json negative", """{"otp": -474890}""" },
        { "json boolean", """{"otp": true}""" },
        { "json null", """{"otp": null}""" },
    };

    [Theory]
    [MemberData(nameof(MalformedCodes))]
    public async Task AMalformedCode_Is400BeforeTheStore_AndNeverCountsAsAWrongGuess(string because, string otp)
    {
        await Generate(ApiEvent.Get("/otp/generate").Query("email_address", "user@example.com"));
        var code = _h.CurrentCode("user@example.com");

        for (var i = 0; i < _h.Settings.MaxAttempts + 1; i++)
        {
            var request = otp.StartsWith('{')
                ? ApiEvent.Post("/otp/verify").Query("email_address", "user@example.com").Json(otp)
                : ApiEvent.Get("/otp/verify").Query("email_address", "user@example.com").Query("otp", Uri.UnescapeDataString(otp["otp=".Length..]));
            var result = await Verify(request);
            Assert.True(result.StatusCode == 400 && result.Body.GetProperty("field").GetString() == "otp", $"{because}: {result.StatusCode} {result.Message}");
        }

        Assert.Equal(0, _h.Store.Record("user@example.com").Attempts);
        Assert.Equal(200, (await Verify(Get("user@example.com", code))).StatusCode);
    }

    private async Task<(string Code, string Address)> CodeWhere(Func<string, bool> wanted)
    {
        // Codes are random: issue to fresh addresses until one has the wanted shape (1 in 10 for a leading zero).
        for (var i = 0; i < 500; i++)
        {
            var address = $"user{i}@example.com";
            await Generate(ApiEvent.Get("/otp/generate").Query("email_address", address));
            var code = _h.CurrentCode(address);
            if (wanted(code))
            {
                return (code, address);
            }
        }

        throw new InvalidOperationException("no code of the wanted shape in 500 tries");
    }

    private Task<ApiResult> Generate(ApiEvent e) => ApiResult.ReadAsync(_generate.FunctionHandler(e.ToStream()));

    private Task<ApiResult> Generate(Stream raw) => ApiResult.ReadAsync(_generate.FunctionHandler(raw));

    private Task<ApiResult> Verify(ApiEvent e) => ApiResult.ReadAsync(_verify.FunctionHandler(e.ToStream()));

    private Task<ApiResult> Verify(Stream raw) => ApiResult.ReadAsync(_verify.FunctionHandler(raw));

    private static ApiEvent Get(string address, string otp) => ApiEvent.Get("/otp/verify").Query("email_address", address).Query("otp", otp);

    /// <summary>An HTTP API (payload 2.0) event: the raw query string as the client sent it.</summary>
    private static MemoryStream V2(string routeKey, string rawQuery)
    {
        var path = routeKey.Split(' ')[1];
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = "2.0",
            ["routeKey"] = routeKey,
            ["rawPath"] = path,
            ["rawQueryString"] = rawQuery,
            ["requestContext"] = new Dictionary<string, object>
            {
                ["requestId"] = "r1",
                ["http"] = new Dictionary<string, string> { ["method"] = "GET", ["path"] = path, ["sourceIp"] = "203.0.113.7" },
            },
            ["isBase64Encoded"] = false,
        });
        return new MemoryStream(Encoding.UTF8.GetBytes(json));
    }
}
