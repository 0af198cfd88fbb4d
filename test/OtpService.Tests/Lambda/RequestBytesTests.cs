using System.Text;
using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Request bytes that are not text, through both API handlers in-process: invalid Unicode in any
/// JSON string (an unpaired surrogate escape, bytes that are not UTF-8), a body in another charset,
/// undecodable percent-escapes (one rule for query strings and form bodies), and strings in the
/// proxy event itself that are not text. Each is a 400 naming the field, or the body, never a 500,
/// and nothing is stored.
/// </summary>
public class RequestBytesTests
{
    private const string Address = "user@example.com";
    private readonly RuleHarness _h = new();
    private readonly StringWriter _logs = new();
    private readonly GenerateOtp.Function _generate;
    private readonly VerifyOtp.Function _verify;

    public RequestBytesTests()
    {
        _generate = new GenerateOtp.Function(_h.Issuer, _h.Settings, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System));
        _verify = new VerifyOtp.Function(_h.Verifier, _h.Settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), OtpService.Tests.Tokens.TokenTestKeys.Tokens(_h.Clock, issuer: OtpService.Tests.Tokens.TokenTestKeys.Issuer));
    }

    private Task<ApiResult> Generate(ApiEvent e) => Generate(e.ToStream());

    private Task<ApiResult> Generate(Stream e) => ApiResult.ReadAsync(_generate.FunctionHandler(e));

    private Task<ApiResult> Verify(ApiEvent e) => Verify(e.ToStream());

    private Task<ApiResult> Verify(Stream e) => ApiResult.ReadAsync(_verify.FunctionHandler(e));

    private void AssertRefused(ApiResult result, string field, string because = "")
    {
        Assert.True(result.StatusCode == 400, $"{because}: {result.StatusCode} {result.Body}");
        Assert.Equal("invalid_request", result.Status);
        Assert.Equal(field, result.Body.GetProperty("field").GetString());
        Assert.StartsWith(field + " ", result.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Store.Codes(Address));
        Assert.DoesNotContain("\"level\":\"ERROR\"", _logs.ToString(), StringComparison.Ordinal);
    }

    // The issue's example, then the other ways a \u escape breaks UTF-16: a lone low half, a high half
    // before a non-surrogate, the halves reversed, a high half at the end of the string.
    [Theory]
    [InlineData("note", "\\ud800")]
    [InlineData("note", "\\udfff")]
    [InlineData("note", "\\ud800\\u0041")]
    [InlineData("note", "\\udc00\\ud800")]
    [InlineData("note", "ok\\ud83d")]
    [InlineData("email_address", "a\\ud800@example.com")]
    [InlineData("otp", "12345\\udc00")]
    [InlineData("verification_id", "\\ud800AAAAAAAAAAAAAAAAAAAA")]
    public async Task AnUnpairedSurrogateEscape_InAnyJsonField_Is400NamingIt_OnBothRoutes(string field, string escaped)
    {
        var fields = new Dictionary<string, string> { ["email_address"] = Address, ["otp"] = "123456", [field] = escaped };
        var json = "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":\"{f.Value}\"")) + "}";

        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Json(json)), field, "generate");
        AssertRefused(await Verify(ApiEvent.Post("/otp/verify").Json(json)), field, "verify");
    }

    [Fact]
    public async Task TheIssuesExample_IsA400NamingNote()
    {
        var result = await Verify(ApiEvent.Post("/otp/verify").Json("""{"email_address":"a@example.com","otp":"123456","note":"\ud800"}"""));

        AssertRefused(result, "note");
        Assert.Contains("Unicode", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"\ud800":"x","email_address":"user@example.com"}""", "body")]
    [InlineData("""{"email_address":"user@example.com","meta":{"tags":["ok","\udc00"]}}""", "meta")]
    [InlineData("""{"email_address":"user@example.com","meta":{"\ud800":1}}""", "meta")]
    [InlineData("""{"email_address":"user@example.com","meta":[[{"a":"\ud800"}]]}""", "meta")]
    [InlineData("""{"email_address":"user@example.com","otp":["\ud800"]}""", "otp")]
    public async Task AnUnpairedSurrogate_InANameOrNestedInAnyValue_Is400NamingTheFieldOrTheBody(string json, string field)
    {
        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Json(json)), field);
    }

    /// <summary>Byte sequences RFC 3629 forbids: each is one way bytes fail to be UTF-8.</summary>
    public static TheoryData<string, byte[]> NotUtf8 => new()
    {
        { "0xFF, never in UTF-8", [0xFF] },
        { "a lone continuation byte", [0x80] },
        { "overlong '/' (C0 AF)", [0xC0, 0xAF] },
        { "overlong 3-byte '/'", [0xE0, 0x80, 0xAF] },
        { "an encoded surrogate (ED A0 80)", [0xED, 0xA0, 0x80] },
        { "past U+10FFFF (F4 90 80 80)", [0xF4, 0x90, 0x80, 0x80] },
        { "a truncated sequence (E2 82)", [0xE2, 0x82] },
        { "a 5-byte form (F8 88 80 80 80)", [0xF8, 0x88, 0x80, 0x80, 0x80] },
        { "ISO-8859-1 e acute (E9)", [0xE9] },
    };

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public async Task BytesThatAreNotUtf8_InAJsonBody_Are400NamingTheField(string because, byte[] bad)
    {
        static byte[] Json(params object[] parts) => [.. parts.SelectMany(p => p as byte[] ?? Encoding.UTF8.GetBytes((string)p))];

        var inValue = Json("{\"email_address\":\"user", bad, "@example.com\"}");
        var inUnknown = Json("{\"email_address\":\"user@example.com\",\"note\":\"", bad, "\"}");
        var inName = Json("{\"email_address\":\"user@example.com\",\"n", bad, "\":1}");

        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Base64Body(inValue, "application/json")), "email_address", because);
        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Base64Body(inUnknown, "application/json")), "note", because);
        AssertRefused(await Verify(ApiEvent.Post("/otp/verify").Base64Body(inName, "application/json")), "body", because);
    }

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public async Task BytesThatAreNotUtf8_InAFormBody_Are400NamingTheBody(string because, byte[] bad)
    {
        byte[] form = [.. "email_address=user"u8, .. bad, .. "%40example.com"u8];

        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Base64Body(form, "application/x-www-form-urlencoded")), "body", because);
    }

    [Theory]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=UTF-16LE")]
    [InlineData("application/json; charset=\"iso-8859-1\"")]
    [InlineData("application/json;charset=windows-1252")]
    [InlineData("application/x-www-form-urlencoded; charset=iso-8859-1")]
    public async Task ABodyDeclaredInAnotherCharset_Is400NamingTheBody(string contentType)
    {
        var body = contentType.Contains("json", StringComparison.Ordinal)
            ? Encoding.Unicode.GetBytes("""{"email_address":"user@example.com"}""")
            : Encoding.Latin1.GetBytes("email_address=user%40example.com");

        var result = await Generate(ApiEvent.Post("/otp/generate").Base64Body(body, contentType));

        AssertRefused(result, "body", contentType);
        Assert.Contains("UTF-8", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json; charset")]
    [InlineData("application/json; =utf-8")]
    [InlineData("json")]
    [InlineData("application/json, text/plain")]
    [InlineData("\u00ff/\u00ff")]
    [InlineData("application/json; charset=\uFFFD")]
    [InlineData("")]
    public async Task AContentTypeThatIsNotAMediaType_Is400NamingTheBody(string contentType)
    {
        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Json("""{"email_address":"user@example.com"}""").Header("Content-Type", contentType)), "body", contentType);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=\"UTF-8\"")]
    [InlineData("application/json; charset=utf8")]
    [InlineData("application/json;")]
    [InlineData("application/json ; charset=UTF-8 ")]
    public async Task AUtf8Charset_ByAnyOfItsLabels_IsAccepted(string contentType)
    {
        var result = await Generate(ApiEvent.Post("/otp/generate").Json("""{"email_address":"user@example.com"}""").Header("Content-Type", contentType));

        Assert.True(result.StatusCode == 202, $"{contentType}: {result.Body}");
    }

    /// <summary>Undecodable percent-escapes: a '%' that starts no escape, and escapes whose bytes are not UTF-8.</summary>
    public static TheoryData<string, string> UndecodableEscapes => new()
    {
        { "0xFF (the issue's example)", "hand%FF@example.com" },
        { "lower-case ff", "hand%ff@example.com" },
        { "a non-hex digit", "hand%G1@example.com" },
        { "a lone %", "hand%@example.com" },
        { "a % at the end", "hand@example.com%" },
        { "one hex digit at the end", "hand@example.com%4" },
        { "overlong '/'", "hand%C0%AF@example.com" },
        { "an encoded surrogate", "hand%ED%A0%80@example.com" },
        { "a truncated sequence", "hand%E2%82@example.com" },
        { "a lone continuation byte", "hand%80@example.com" },
        { "U+FFFD itself", "hand%EF%BF%BD@example.com" },
    };

    [Theory]
    [MemberData(nameof(UndecodableEscapes))]
    public async Task AnUndecodableEscape_IsRefusedAlike_InTheQueryString_AndInAFormBody(string because, string address)
    {
        var query = await Generate(ApiEvent.HttpApi("GET", "/otp/generate", "email_address=" + address));
        var form = await Generate(ApiEvent.Post("/otp/generate").Body("email_address=" + address, "application/x-www-form-urlencoded"));
        var verifyForm = await Verify(ApiEvent.Post("/otp/verify").Body($"email_address={address}&otp=123456", "application/x-www-form-urlencoded"));

        AssertRefused(query, "email_address", "query: " + because);
        AssertRefused(form, "email_address", "form: " + because);
        AssertRefused(verifyForm, "email_address", "verify form: " + because);
        Assert.Equal(query.Message, form.Message);
    }

    /// <summary>The fields a person types on the page, with bytes that are not text in each way a request can carry them.</summary>
    public static TheoryData<string, string, Func<ApiEvent>> UnreadableTypedFields => new()
    {
        { "an unpaired surrogate escape in the address (JSON)", "email_address", () => ApiEvent.Post("/otp/generate").Json("""{"email_address":"a\ud800@example.com"}""") },
        { "an unpaired surrogate escape in the code (JSON)", "otp", () => ApiEvent.Post("/otp/verify").Json("""{"email_address":"a@example.com","otp":"12345\udc00"}""") },
        { "bytes that are not UTF-8 in the address (JSON)", "email_address", () => ApiEvent.Post("/otp/generate").Base64Body([.. "{\"email_address\":\"a"u8, 0xFF, .. "@example.com\"}"u8], "application/json") },
        { "an undecodable escape in the address (form)", "email_address", () => ApiEvent.Post("/otp/generate").Body("email_address=hand%FF@example.com", "application/x-www-form-urlencoded") },
        { "a lone % in the code (query)", "otp", () => ApiEvent.HttpApi("GET", "/otp/verify", "email_address=a%40example.com&otp=12345%") },
    };

    [Theory]
    [MemberData(nameof(UnreadableTypedFields))]
    public async Task UnreadableTextInAFieldAPersonTypes_IsSaidInPlainWords_TheTechnicalReasonIsLogged(string because, string field, Func<ApiEvent> request)
    {
        // Issue 19: messages for people say what to do; the technical reason stays in `field` and the log.
        var e = request();
        var result = e.ToStream() is var stream && field == "otp" ? await Verify(stream) : await Generate(stream);

        AssertRefused(result, field, because);
        Assert.Equal($"{field} has a character that could not be read; type it in again instead of pasting it", result.Message);
        Assert.Matches(@"Unicode|UTF-8|U\+FFFD|hex digits", _logs.ToString());
    }

    [Fact]
    public async Task TheRestApisDecodedQuery_WithWhatCouldNotBeDecoded_IsRefusedNamingTheParameter()
    {
        // API Gateway's REST API decodes the query string; bytes that are not UTF-8 reach the function as U+FFFD.
        AssertRefused(await Generate(ApiEvent.Get("/otp/generate").Query("email_address", "hand\uFFFD@example.com")), "email_address");
        AssertRefused(await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("note", "\uFFFD")), "note");
        AssertRefused(await Generate(ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("n\uFFFD", "1")), "query string");
    }

    [Theory]
    [InlineData("%FF=1&email_address=user%40example.com", "query string")]
    [InlineData("n%=1&email_address=user%40example.com", "query string")]
    [InlineData("email_address=user%40example.com&note=%C0%AF", "note")]
    [InlineData("email_address=user%40example.com&note=50%", "note")]
    public async Task AnUndecodableNameOrUnknownParameter_IsRefusedToo(string pairs, string field)
    {
        AssertRefused(await Generate(ApiEvent.HttpApi("GET", "/otp/generate", pairs)), field, "query");
        AssertRefused(await Generate(ApiEvent.Post("/otp/generate").Body(pairs, "application/x-www-form-urlencoded")), field == "query string" ? "body" : field, "form");
    }

    [Theory]
    [InlineData("email_address=user%40example.com")]
    [InlineData("email_address=user%40example.com&note=caf%C3%A9&emoji=%F0%9F%98%80")]
    [InlineData("email_address=user@example.com&&note=100%25&")]
    [InlineData("email_address=%75ser%40example.com&flag")]
    public async Task EscapesThatDecodeToUtf8_AreAccepted_InBoth(string pairs)
    {
        var query = await Generate(ApiEvent.HttpApi("GET", "/otp/generate", pairs));
        _h.Advance(3600);
        var form = await Generate(ApiEvent.Post("/otp/generate").Body(pairs, "application/x-www-form-urlencoded"));

        Assert.True(query.StatusCode == 202, query.Body.ToString());
        Assert.True(form.StatusCode == 202, form.Body.ToString());
        Assert.Equal(2, _h.Store.Codes(Address).Count);
    }

    /// <summary>A REST (v1) event as API Gateway would write it, with <paramref name="raw"/> spliced in as bytes.</summary>
    private static Stream Event(string before, byte[] raw, string after) =>
        ApiEvent.Raw([.. Encoding.UTF8.GetBytes(before), .. raw, .. Encoding.UTF8.GetBytes(after)]);

    private const string Head = """{"resource":"/otp/generate","path":"/otp/generate","httpMethod":"GET","requestContext":{"requestId":"r","identity":{"sourceIp":"203.0.113.7"}},""";

    [Theory]
    [InlineData("""{"queryStringParameters":{"email_address":"user@example.com"},"headers":{"X-Note":"\ud800"}}""", "X-Note")]
    [InlineData("""{"multiValueHeaders":{"User-Agent":["ok","\udc00"]},"queryStringParameters":{"email_address":"user@example.com"}}""", "User-Agent")]
    [InlineData("""{"headers":{"\ud800":"x"},"queryStringParameters":{"email_address":"user@example.com"}}""", "headers")]
    [InlineData("""{"queryStringParameters":{"email_address":"\ud800@example.com"}}""", "email_address")]
    [InlineData("""{"multiValueQueryStringParameters":{"note":["\ud800"]},"queryStringParameters":{"email_address":"user@example.com"}}""", "note")]
    [InlineData("""{"queryStringParameters":{"\udc00":"1","email_address":"user@example.com"}}""", "query string")]
    [InlineData("""{"queryStringParameters":{"email_address":"user@example.com"},"path":"/otp/\ud800"}""", "path")]
    [InlineData("""{"queryStringParameters":{"email_address":"user@example.com"},"requestContext":{"identity":{"sourceIp":"203.0.113.7","userAgent":"\ud800"}}}""", "User-Agent")]
    [InlineData("""{"queryStringParameters":{"email_address":"user@example.com"},"body":"\ud800"}""", "body")]
    public async Task AStringInTheEventThatIsNotText_Is400NamingThePartOfTheRequest(string json, string field)
    {
        var result = await Generate(ApiEvent.Raw(json));

        AssertRefused(result, field, json);
        Assert.Contains("Unicode", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public async Task BytesThatAreNotUtf8_InTheEventItself_Are400NamingThePart(string because, byte[] bad)
    {
        AssertRefused(await Generate(Event(Head + "\"queryStringParameters\":{\"email_address\":\"user@example.com\"},\"headers\":{\"Accept\":\"", bad, "\"}}")), "Accept", because);
        AssertRefused(await Generate(Event(Head + "\"queryStringParameters\":{\"email_address\":\"user", bad, "@example.com\"}}")), "email_address", because);
        AssertRefused(await Generate(Event(Head + "\"queryStringParameters\":{\"email_address\":\"user@example.com\"},\"body\":\"{", bad, "}\"}")), "body", because);
    }

    [Theory]
    [InlineData("""{"headers":{"Content-Type":5}}""")]
    [InlineData("""{"isBase64Encoded":"yes"}""")]
    [InlineData("""{"requestContext":[]}""")]
    [InlineData("""{"requestContext":{"requestTimeEpoch":1e999}}""")]
    [InlineData("""{"multiValueQueryStringParameters":{"otp":"123456"}}""")]
    [InlineData("\"\\ud800\"")]
    [InlineData("null")]
    public async Task AnEventOfTheWrongShape_Is400NamingTheEvent(string json)
    {
        AssertRefused(await Generate(ApiEvent.Raw(json)), "event", json);
    }
}
