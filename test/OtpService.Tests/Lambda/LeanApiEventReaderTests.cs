using System.Text;
using CsCheck;
using OtpService.Core.Lambda;
using OtpService.Core.Tokens;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// The handlers' lean event reader (<see cref="LeanApiEventReader"/>) gives the answers of the full
/// source-generated parse (<see cref="ApiEventReader"/>) for the same bytes: compared through
/// everything the routes read (method, route, body, headers looked up as the routes look them up,
/// the caller, the issuer, the request's fields or its refusal), on AWS's sample events, on edge
/// events (duplicates, two spellings of a header, null maps, missing fields, strings that are not
/// text, other JSON types) and on random ones. And it allocates a fraction of what the full parse does.
/// </summary>
public sealed class LeanApiEventReaderTests
{
    private const string ClientHeader = "X-Forwarded-For";

    private static readonly string[] HeaderChoices = [null!, ClientHeader, "content-type", "Header2", "Host"];

    private static byte[] Fixture(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "aws-events", file));

    /// <summary>Everything a route reads of an event, as text: equal views are equal answers.</summary>
    private static string View((ApiGatewayRequest? Request, InvalidRequest? Error) read, string? clientHeader)
    {
        var (r, e) = read;
        if (r is null)
        {
            return $"refused {e}";
        }

        var view = new StringBuilder();
        void Line(string name, object? value) => view.Append(name).Append('=').Append(value?.ToString() ?? "<null>").Append('\n');
        Line("method", r.Method);
        Line("v2", r.IsHttpApiV2);
        Line("jwks", Routes.IsJwksRequest(r));
        string issuer;
        try
        {
            issuer = Routes.IssuerFor(r, new TokenSettings());
        }
        catch (InvalidOperationException)
        {
            issuer = "<none>";
        }

        Line("issuer", issuer);
        Line("requestId", r.RequestContext?.RequestId);
        Line("content-type", RequestFields.Header(r, "content-type"));
        Line("accept-language", RequestFields.Header(r, "accept-language"));
        Line("client", CallerIdentity.ClientId(r, clientHeader));
        Line("sourceIp", CallerIdentity.ClientId(r, null));
        Line("body", r.Body);
        Line("base64", r.IsBase64Encoded);
        Line("raw", r.RawQueryString);
        if (!r.IsHttpApiV2 && r.MultiValueQueryStringParameters is { } multi)
        {
            foreach (var (name, values) in multi)
            {
                Line("multi " + name, values is null ? null : string.Join("|", values.Select(v => v ?? "<null>")) + "#" + values.Count);
            }
        }
        else if (!r.IsHttpApiV2 || string.IsNullOrEmpty(r.RawQueryString))
        {
            foreach (var (name, value) in r.QueryStringParameters ?? [])
            {
                Line("single " + name, value);
            }
        }

        var fields = RequestFields.TryRead(r, out var invalid);
        Line("invalid", invalid);
        foreach (var name in new[] { OtpFields.EmailAddress, OtpFields.Otp, OtpFields.VerificationId, OtpFields.Locale })
        {
            Line("field " + name, fields?[name]);
            Line("number " + name, fields?.IsJsonNumber(name));
        }

        return view.ToString();
    }

    private static void AssertAgree(byte[] json, string? clientHeader)
    {
        var full = View(ApiEventReader.Read(json), clientHeader);
        var lean = View(new LeanApiEventReader(clientHeader).Read(json), clientHeader);
        Assert.True(full == lean, $"client header {clientHeader ?? "<none>"}, event (base64) {Convert.ToBase64String(json)}:\n{Encoding.UTF8.GetString(json)}\nfull:\n{full}\nlean:\n{lean}");
    }

    [Theory]
    [InlineData("apigateway-rest-proxy-event.json")]
    [InlineData("apigateway-payload-v1.json")]
    [InlineData("apigateway-payload-v2.json")]
    public void AwsSampleEvent_ReadsAsTheFullParseReadsIt(string file)
    {
        foreach (var header in HeaderChoices)
        {
            AssertAgree(Fixture(file), header);
        }
    }

    [Fact]
    public void RestProxySample_KeepsWhatTheRoutesRead()
    {
        var (request, error) = new LeanApiEventReader("X-Forwarded-For").Read(Fixture("apigateway-rest-proxy-event.json"));

        Assert.Null(error);
        Assert.Equal("POST", request!.Method);
        Assert.Equal("/{proxy+}", request.Resource);
        Assert.Equal("{\r\n\t\"a\": 1\r\n}", request.Body);
        Assert.Equal("54.240.196.186, 54.182.214.83", RequestFields.Header(request, "x-forwarded-for"));
        Assert.Equal("application/json", RequestFields.Header(request, "CONTENT-TYPE"));
        Assert.Equal("192.168.196.186", request.RequestContext!.Identity!.SourceIp);
        Assert.Equal("deef4878-7910-11e6-8f14-25afc3e9ae33", request.RequestContext.RequestId);
        Assert.Equal("me", request.QueryStringParameters!["name"]);
        // Not kept: what no route reads.
        Assert.Null(request.MultiValueQueryStringParameters);
        Assert.Null(RequestFields.Header(request, "Host"));
        Assert.Null(request.PathParameters);
    }

    /// <summary>Events at the edges of the format, each of a kind the reader must hand to the full parse or read alike.</summary>
    public static TheoryData<string> EdgeEvents => new()
    {
        // Duplicates: a header twice, two spellings, in either map, across maps; a field twice; a query parameter twice.
        """{"httpMethod":"POST","headers":{"Content-Type":"text/plain","Content-Type":"application/json"},"body":"{\"email_address\":\"a@b.co\"}"}""",
        """{"httpMethod":"POST","headers":{"content-type":"text/plain","Content-Type":"application/json"},"body":"{}"}""",
        """{"httpMethod":"POST","multiValueHeaders":{"Content-Type":["text/plain"],"CONTENT-TYPE":["application/json"]},"body":"{}"}""",
        """{"httpMethod":"POST","multiValueHeaders":{"Content-Type":[],"content-type":["application/json"]},"body":"{}"}""",
        """{"httpMethod":"POST","headers":{"Content-Type":null},"multiValueHeaders":{"Content-Type":["application/json"]},"body":"{}"}""",
        """{"httpMethod":"POST","headers":{},"multiValueHeaders":{"Content-Type":[null,"application/json"]},"body":"{}"}""",
        """{"httpMethod":"POST","multiValueHeaders":{"Content-Type":null},"body":"{}"}""",
        """{"httpMethod":"GET","httpMethod":"POST","headers":{"Content-Type":"application/json"},"body":"{\"otp\":123456}"}""",
        """{"httpMethod":"GET","headers":null,"headers":{"X-Forwarded-For":"198.51.100.1"},"requestContext":{"identity":{"sourceIp":"1.2.3.4"}}}""",
        """{"httpMethod":"GET","queryStringParameters":{"email_address":"a@b.co","email_address":"c@d.co"}}""",
        """{"httpMethod":"GET","multiValueQueryStringParameters":{"email_address":["a@b.co"],"email_address":["c@d.co","e@f.co"]}}""",
        """{"httpMethod":"GET","queryStringParameters":{"email_address":"a@b.co"},"multiValueQueryStringParameters":{}}""",
        """{"httpMethod":"GET","queryStringParameters":{"email_address":"a b@c.co"},"multiValueQueryStringParameters":null}""",
        """{"version":"2.0","rawQueryString":"","queryStringParameters":{"email_address":"a@b.co"},"requestContext":{"http":{"method":"GET","sourceIp":"203.0.113.9"}}}""",
        """{"version":"2.0","queryStringParameters":{"email_address":"a@b.co"},"multiValueQueryStringParameters":{"email_address":["c@d.co"]},"requestContext":{"http":{"method":"GET"}}}""",
        """{"version":"2.0","rawQueryString":"email_address=a%40b.co&otp=1","queryStringParameters":{"email_address":"x"},"requestContext":{"http":{"method":"GET"}}}""",
        """{"version":"1.0","multiValueQueryStringParameters":{"otp":["1","2"]},"requestContext":{"httpMethod":"GET","requestId":"r","requestId":"s"}}""",
        """{"requestContext":{"identity":{"sourceIp":"1.2.3.4"},"identity":null,"http":{"sourceIp":"5.6.7.8"}}}""",
        // Null maps, missing fields, an empty event, nulls everywhere.
        """{}""",
        """{"httpMethod":null,"headers":null,"multiValueHeaders":null,"queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,"stageVariables":null,"cookies":null,"requestContext":null,"body":null}""",
        """{"requestContext":{"identity":null,"http":null,"domainName":null,"stage":null}}""",
        """{"resource":null,"requestContext":{"resourcePath":"/.well-known/jwks.json","domainName":"api.example.com","stage":"$default"}}""",
        """{"routeKey":"GET /.well-known/jwks.json","requestContext":{"domainName":"api.example.com"}}""",
        // Strings that are not text: in the body, a header, a header's name, a query value, a field no route reads, a property name.
        "{\"httpMethod\":\"POST\",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":\"\\ud800\"}",
        "{\"httpMethod\":\"POST\",\"headers\":{\"Accept-Language\":\"\\udc00\"},\"body\":\"{}\"}",
        "{\"httpMethod\":\"POST\",\"headers\":{\"X\\ud800\":\"x\"}}",
        "{\"httpMethod\":\"GET\",\"multiValueQueryStringParameters\":{\"otp\":[\"\\ud800\"]}}",
        "{\"httpMethod\":\"GET\",\"stageVariables\":{\"a\":\"\\ud800\"}}",
        "{\"httpMethod\":\"GET\",\"unknown\":\"\\ud800\"}",
        "{\"httpMethod\":\"GET\",\"requestContext\":{\"identity\":{\"userAgent\":\"\\udfff\"}}}",
        "{\"h\\u0074tpMethod\":\"POST\"}",
        "{\"httpMethod\":\"GET\",\"headers\":{\"cont\\u0065nt-type\":\"x\"}}",
        "{\"httpMethod\":\"P\\u004fST\",\"body\":\"\"}",
        // Other JSON types where a string, a map, a list, a number or a bool belongs.
        """{"httpMethod":5}""",
        """{"body":{"email_address":"a@b.co"}}""",
        """{"headers":{"Content-Type":["application/json"]}}""",
        """{"multiValueHeaders":{"Content-Type":"application/json"}}""",
        """{"queryStringParameters":[]}""",
        """{"multiValueQueryStringParameters":{"otp":"1"}}""",
        """{"cookies":"a=b"}""",
        """{"cookies":["a=b",null]}""",
        """{"isBase64Encoded":null}""",
        """{"isBase64Encoded":"true"}""",
        """{"requestContext":{"requestTimeEpoch":"1"}}""",
        """{"requestContext":{"requestTimeEpoch":1.5}}""",
        """{"requestContext":{"timeEpoch":null}}""",
        """{"requestContext":{"requestTimeEpoch":99999999999999999999}}""",
        """{"requestContext":[]}""",
        """{"requestContext":{"identity":"1.2.3.4"}}""",
        """{"requestContext":{"http":{"method":["GET"]}}}""",
        // Not an object; more after it; comments and trailing commas (which the context allows).
        "null", "[]", "\"event\"", "", "{", "{}{}", "{} x", "{\"body\":\"a\"} // done",
        """{/* c */"httpMethod":"POST",/* c */"headers":{"Content-Type":"application/json",},"body":"{\"otp\":\"1\"}",}""",
        // A body that is not text once decoded, and one that is not base64.
        """{"httpMethod":"POST","headers":{"Content-Type":"application/json"},"body":"/w==","isBase64Encoded":true}""",
        """{"httpMethod":"POST","headers":{"Content-Type":"application/json"},"body":"not base64!","isBase64Encoded":true}""",
    };

    [Theory]
    [MemberData(nameof(EdgeEvents))]
    public void EdgeEvent_ReadsAsTheFullParseReadsIt(string json)
    {
        foreach (var header in HeaderChoices)
        {
            AssertAgree(Encoding.UTF8.GetBytes(json), header);
        }
    }

    [Fact]
    public void BytesThatAreNotUtf8_InAnyPart_ReadAsTheFullParseReadsThem()
    {
        var valid = ApiEvent.Post("/otp/verify").Header("Accept-Language", "de").Header(ClientHeader, "198.51.100.1")
            .Json("""{"email_address":"user@example.com","otp":"123456"}""").ToBytes();
        foreach (var at in Enumerable.Range(0, valid.Length))
        {
            foreach (var bad in new byte[][] { [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80] })
            {
                byte[] json = [.. valid[..at], .. bad, .. valid[at..]];
                AssertAgree(json, ClientHeader);
            }
        }
    }

    private static readonly Gen<byte[]> Bytes = Gen.Byte.Array[0, 40];

    [Fact]
    public void AValidEvent_WithRandomBytesSplicedIn_ReadsAsTheFullParseReadsIt()
    {
        var valid = ApiEvent.Post("/otp/verify").Query("note", "x").Header("User-Agent", "curl").Header(ClientHeader, "198.51.100.1, 10.0.0.1")
            .Json("""{"email_address":"user@example.com","otp":"123456"}""").ToBytes();
        var gen = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 8], Bytes, Gen.Int[0, HeaderChoices.Length - 1], (at, cut, insert, header) => (at, cut, insert, header));

        gen.Sample(
            splice =>
            {
                var cut = Math.Min(splice.cut, valid.Length - splice.at);
                AssertAgree([.. valid[..splice.at], .. splice.insert, .. valid[(splice.at + cut)..]], HeaderChoices[splice.header]);
            },
            iter: 2000);
    }

    /// <summary>
    /// Random events built of the format's own parts: known and unknown fields (some given twice or
    /// in another spelling), each value of a random JSON type, header maps with kept headers in
    /// several spellings, strings with escapes and bytes that are not text.
    /// </summary>
    [Fact]
    public void RandomEventsOfTheFormatsParts_ReadAsTheFullParseReadsThem()
    {
        Gen.Select(Gen.Int, Gen.Int[0, HeaderChoices.Length - 1], (seed, header) => (seed, header)).Sample(
            sample => AssertAgree(RandomEvent(new Random(sample.seed)), HeaderChoices[sample.header]),
            iter: 3000);
    }

    private static readonly string[] TopFields =
    [
        "version", "resource", "path", "rawPath", "routeKey", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "rawQueryString", "pathParameters", "stageVariables", "cookies", "requestContext", "body",
        "isBase64Encoded", "unknown", "Headers", "HTTPMETHOD",
    ];

    private static readonly string[] ContextFields =
    [
        "requestId", "domainName", "stage", "resourcePath", "identity", "http", "accountId", "apiId", "httpMethod", "path", "protocol",
        "requestTimeEpoch", "timeEpoch", "authorizer", "RequestId",
    ];

    private static readonly string[] CallerFields = ["sourceIp", "userAgent", "method", "path", "protocol", "caller", "SourceIp"];

    private static readonly string[] Names =
    [
        "Content-Type", "content-type", "CONTENT-TYPE", "Accept-Language", "accept-language", "X-Forwarded-For", "x-forwarded-for", "Host",
        "Header2", "email_address", "otp", "verification_id", "locale", "note", "",
    ];

    private static readonly string[] Texts =
    [
        "GET", "POST", "post", "2.0", "1.0", "/otp/verify", Routes.JwksPath, "GET /.well-known/jwks.json", "application/json",
        "application/x-www-form-urlencoded", "application/json; charset=utf-16", "de, en;q=0.5", "198.51.100.1, 10.0.0.1", "203.0.113.9",
        "{\\\"email_address\\\":\\\"user@example.com\\\",\\\"otp\\\":\\\"123456\\\"}", "{\\\"otp\\\":123456}", "email_address=a%40b.co&otp=1",
        "dXNlcg==", "", "caf\\u00e9", "\\ud800", "a\\\"b", "Prod", "$default", "api.example.com",
    ];

    private static byte[] RandomEvent(Random random)
    {
        var json = new List<byte>();
        void Put(string s) => json.AddRange(Encoding.UTF8.GetBytes(s));
        string Pick(string[] from) => from[random.Next(from.Length)];

        void Text()
        {
            if (random.Next(12) == 0)
            {
                json.AddRange("\"a"u8.ToArray());
                json.Add((byte)(random.Next(2) == 0 ? 0xFF : 0xC0));
                json.AddRange("\""u8.ToArray());
            }
            else
            {
                Put("\"" + Pick(Texts) + "\"");
            }
        }

        void Value(int kind)
        {
            // kind 0 text, 1 map of text, 2 map of lists, 3 list, 4 object (context), 5 caller, 6 bool, 7 number: the field's own type most often.
            var shape = random.Next(4) == 0 ? random.Next(10) : kind;
            switch (shape)
            {
                case 0: Text(); break;
                case 1 or 2:
                    Put("{");
                    for (var i = random.Next(4); i > 0; i--)
                    {
                        Put("\"" + Pick(Names) + "\":");
                        if (shape == 1)
                        {
                            if (random.Next(6) == 0) Put("null"); else Text();
                        }
                        else
                        {
                            Value(3);
                        }

                        Put(i > 1 ? "," : "");
                    }

                    Put("}");
                    break;
                case 3:
                    Put("[");
                    for (var i = random.Next(3); i > 0; i--)
                    {
                        if (random.Next(6) == 0) Put("null"); else Text();
                        Put(i > 1 ? "," : "");
                    }

                    Put("]");
                    break;
                case 4: Object(ContextFields, random.Next(5)); break;
                case 5: Object(CallerFields, random.Next(3)); break;
                case 6: Put(random.Next(2) == 0 ? "true" : "false"); break;
                case 7: Put(random.Next(4) == 0 ? "1.5" : "1583349317135"); break;
                case 8: Put("null"); break;
                default: Put("[]"); break;
            }
        }

        int Kind(string field) => field switch
        {
            "headers" or "queryStringParameters" or "pathParameters" or "stageVariables" => 1,
            "multiValueHeaders" or "multiValueQueryStringParameters" => 2,
            "cookies" => 3,
            "requestContext" => 4,
            "identity" or "http" => 5,
            "isBase64Encoded" => 6,
            "requestTimeEpoch" or "timeEpoch" => 7,
            _ => 0,
        };

        void Object(string[] fields, int count)
        {
            Put("{");
            for (var i = 0; i < count; i++)
            {
                var field = Pick(fields);
                Put((i > 0 ? "," : "") + "\"" + field + "\":");
                Value(Kind(field));
            }

            Put("}");
        }

        Object(TopFields, random.Next(12));
        return [.. json];
    }

    [Fact]
    public void FullSizeRestEvent_IsReadInAFractionOfTheFullParsesAllocation()
    {
        var json = Fixture("apigateway-rest-proxy-event.json");
        var reader = new LeanApiEventReader(ClientHeader);
        reader.Read(json);
        ApiEventReader.Read(json);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            GC.KeepAlive(reader.Read(json));
        }

        var lean = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            GC.KeepAlive(ApiEventReader.Read(json));
        }

        var full = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        Assert.True(lean < 1536, $"{lean} bytes allocated per event by the lean reader ({full} by the full parse)");
    }

    [Fact]
    public void FieldsOfAGet_AreReadWithoutIntermediateCopies()
    {
        var json = ApiEvent.Get("/otp/verify").Query("email_address", "user@example.com").Query("otp", "123456").ToBytes();
        var (request, _) = new LeanApiEventReader(null).Read(json);
        RequestFields.TryRead(request!, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            GC.KeepAlive(RequestFields.TryRead(request!, out _));
        }

        var perRead = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        // The fields object and its dictionary; 600 B when every value was checked through an array and LINQ and the address copied.
        Assert.True(perRead < 400, $"{perRead} bytes allocated per read of two query fields");
    }
}
