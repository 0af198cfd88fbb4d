using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CsCheck;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>
/// Raw request bytes through the local runner's own HTTP front (Kestrel, the proxy event it
/// builds, the functions behind it), sent through a TcpClient because HttpClient would encode
/// them: the issue's examples and random bytes in the query string, the body and header values.
/// Whatever HTTP/1.1 can carry gets a JSON answer, a 400 naming the field or the body when it
/// cannot be read; nothing is ever a 5xx.
/// </summary>
public sealed class RunnerRequestBytesTests(LocalRunnerFixture fixture) : IClassFixture<LocalRunnerFixture>
{
    private sealed record RawAnswer(int Status, string? ContentType, string Body)
    {
        /// <summary>The JSON body's field, or null (no field, or no JSON body).</summary>
        public string? Field => ContentType == "application/json" && JsonDocument.Parse(Body).RootElement.TryGetProperty("field", out var f) ? f.GetString() : null;
    }

    private static byte[] Bytes(params object[] parts) => [.. parts.SelectMany(p => p as byte[] ?? Encoding.Latin1.GetBytes((string)p))];

    private static byte[] Request(string method, object target, object[]? headers = null, byte[]? body = null)
    {
        var head = new List<object> { method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" };
        foreach (var header in headers ?? [])
        {
            head.Add(header);
            head.Add("\r\n");
        }

        if (body is not null)
        {
            head.Add($"Content-Length: {body.Length}\r\n");
        }

        head.Add("\r\n");
        return Bytes([.. head, body ?? []]);
    }

    /// <summary>Sends the bytes on a new connection and reads the whole answer (the server closes it: Connection: close).</summary>
    private async Task<RawAnswer> SendAsync(byte[] request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Api.Host, fixture.Api.Port, timeout.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request, timeout.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, timeout.Token);
        var text = Encoding.Latin1.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP answer: {text}");
        var lines = text[..split].Split("\r\n");
        var contentType = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?[13..].Trim();
        return new RawAnswer(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), contentType, Encoding.UTF8.GetString(received.ToArray()[(split + 4)..]));
    }

    private static void AssertRefused(RawAnswer answer, string field, string because)
    {
        Assert.True(answer.Status == 400 && answer.ContentType == "application/json", $"{because}: {answer}");
        Assert.Equal("invalid_request", JsonDocument.Parse(answer.Body).RootElement.GetProperty("status").GetString());
        Assert.Equal(field, answer.Field);
    }

    private static readonly object[] Json = ["Content-Type: application/json"];
    private static readonly object[] Form = ["Content-Type: application/x-www-form-urlencoded"];

    [Fact]
    public async Task TheIssuesExamples_AreJson400sNamingTheFieldOrTheBody()
    {
        AssertRefused(await SendAsync(Request("POST", "/otp/verify", Json, Bytes("""{"email_address":"a@example.com","otp":"123456","note":"\ud800"}"""))), "note", "an unpaired surrogate escape");
        AssertRefused(await SendAsync(Request("POST", "/otp/generate", Json, Bytes("{\"email_address\":\"a", new byte[] { 0xFF }, "@example.com\"}"))), "email_address", "a byte that is not UTF-8");
        AssertRefused(await SendAsync(Request("POST", "/otp/generate", Json, Bytes("{\"email_address\":\"a", new byte[] { 0xC0, 0xAF }, "@example.com\"}"))), "email_address", "overlong UTF-8");
        AssertRefused(await SendAsync(Request("POST", "/otp/generate", ["Content-Type: application/json; charset=iso-8859-1"], Bytes("{\"email_address\":\"caf", new byte[] { 0xE9 }, "@example.com\"}"))), "body", "another charset");
        AssertRefused(await SendAsync(Request("POST", "/otp/generate", ["Content-Type: application/json; charset=utf-16"], Encoding.Unicode.GetBytes("""{"email_address":"a@example.com"}"""))), "body", "UTF-16");
        AssertRefused(await SendAsync(Request("GET", "/otp/generate?email_address=hand%FF@example.com")), "email_address", "an undecodable escape in the query");
        AssertRefused(await SendAsync(Request("POST", "/otp/generate", Form, Bytes("email_address=hand%FF@example.com"))), "email_address", "the same escape in a form body");
    }

    [Theory]
    [InlineData("hand%G1@example.com")]
    [InlineData("hand%@example.com")]
    [InlineData("hand%C0%AF@example.com")]
    [InlineData("hand%ED%A0%80@example.com")]
    [InlineData("hand@example.com%E2%82")]
    public async Task AnUndecodableEscape_IsOneRule_InTheQueryAndInAFormBody(string address)
    {
        var query = await SendAsync(Request("GET", "/otp/generate?email_address=" + address));
        var form = await SendAsync(Request("POST", "/otp/generate", Form, Bytes("email_address=" + address)));

        AssertRefused(query, "email_address", "query");
        AssertRefused(form, "email_address", "form");
    }

    [Fact]
    public async Task HeaderBytesPastAscii_ReachTheFunction_WhichAnswersThem()
    {
        // Kestrel alone answers an empty 400 to any byte past ASCII in a header; API Gateway passes them on.
        AssertRefused(await SendAsync(Request("POST", "/otp/generate", [Bytes("Content-Type: application/json; charset=", new byte[] { 0xFF })], Bytes("""{"email_address":"a@example.com"}"""))), "body", "a charset of a byte past ASCII");

        var fine = await SendAsync(Request("GET", "/otp/verify?email_address=nobody-here%40example.com&otp=123456", [Bytes("X-Note: caf", new byte[] { 0xE9, 0xC3, 0xA9 })]));
        Assert.True(fine.Status == 404 && fine.ContentType == "application/json", fine.ToString());
    }

    /// <summary>Bytes that are not an HTTP/1.1 request (RFC 9112): the server refuses them itself, as AWS's front end does before API Gateway; never a 5xx.</summary>
    [Fact]
    public async Task RequestsThatAreNotHttp_AreRefusedByTheServer_NeverA5xx()
    {
        var notHttp = new[]
        {
            Bytes("GET /otp/generate?email_address=caf", new byte[] { 0xE9 }, "@example.com HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            Bytes("GET /otp/gen%00erate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            Bytes("GET /otp/generate HTTP/1.1\r\nHost: x\r\nConnection: close\r\nBad Name: x\r\n\r\n"),
            Bytes("POST /otp/generate HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"),
        };

        foreach (var request in notHttp)
        {
            var answer = await SendAsync(request);
            Assert.True(answer.Status is >= 400 and < 500, $"{Encoding.Latin1.GetString(request)} -> {answer}");
        }
    }

    /// <summary>Characters of query strings and form bodies that matter: escapes (good and bad), separators, '+', an '@'.</summary>
    private static readonly Gen<string> QueryText = Gen.String[Gen.Char["%%%0123456789abcdefABCDEFGz+&=@._-"], 0, 40];

    [Fact]
    public async Task RandomQueryStrings_AreAnsweredWithJson_NeverA5xx()
    {
        await Gen.Select(QueryText, Gen.Bool, (text, verify) => (text, verify)).SampleAsync(
            async sample =>
            {
                var answer = await SendAsync(Request("GET", (sample.verify ? "/otp/verify?" : "/otp/generate?") + sample.text));
                Assert.True(answer.Status < 500 && answer.ContentType == "application/json", $"{sample.text}: {answer}");
                Assert.True(answer.Status != 400 || !string.IsNullOrEmpty(answer.Field), answer.ToString());
            },
            iter: 60);
    }

    [Fact]
    public async Task RandomBodiesAndHeaderBytes_AreAnsweredWithJson_NeverA5xx()
    {
        var contentType = Gen.OneOf(
            Gen.OneOf("application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "application/json; charset=latin1", "text/plain"),
            Gen.Byte[0x20, 0xFF].Array[0, 30].Select(b => Encoding.Latin1.GetString(b)));
        var body = Gen.OneOf(
            Gen.Byte.Array[0, 100],
            Gen.Byte.Array[0, 6].Select(b => Bytes("{\"email_address\":\"", b, "@example.com\",\"otp\":\"12", b, "\"}")),
            QueryText.Select(t => Encoding.ASCII.GetBytes(t)));

        await Gen.Select(body, contentType, Gen.Bool, (b, t, verify) => (b, t, verify)).SampleAsync(
            async sample =>
            {
                var answer = await SendAsync(Request("POST", sample.verify ? "/otp/verify" : "/otp/generate", ["Content-Type: " + sample.t], sample.b));
                Assert.True(answer.Status < 500 && answer.ContentType == "application/json", $"{Convert.ToBase64String(sample.b)} as {sample.t}: {answer}");
                Assert.True(answer.Status != 400 || !string.IsNullOrEmpty(answer.Field), answer.ToString());
            },
            iter: 60);
    }
}
