using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Lambda;
using OtpService.Local.Api;
using OtpService.Local.Lambda;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Local;

/// <summary>The proxy path in-process with fake functions: the event API Gateway would send, and the response mapping.</summary>
public sealed class ApiProxyTests
{
    [Fact]
    public async Task Get_BuildsTheRestProxyEvent_WithSingleAndMultiValueQuery_AndNullBody()
    {
        ApiGatewayRequest? seen = null;
        var context = Request("GET", "/otp/verify", "?email_address=a%40b.com&otp=1&otp=2");
        context.Request.Headers["X-Custom"] = new(["one", "two"]);

        await Proxy(e => seen = e).HandleAsync(context);

        Assert.NotNull(seen);
        Assert.Equal("GET", seen.HttpMethod);
        Assert.Equal("/otp/verify", seen.Path);
        Assert.Equal("/otp/verify", seen.Resource);
        Assert.Equal("a@b.com", seen.QueryStringParameters!["email_address"]);
        Assert.Equal("2", seen.QueryStringParameters["otp"]);
        Assert.Equal(["1", "2"], seen.MultiValueQueryStringParameters!["otp"]!);
        Assert.Equal("two", seen.Headers!["X-Custom"]);
        Assert.Equal(["one", "two"], seen.MultiValueHeaders!["X-Custom"]!);
        Assert.Null(seen.Body);
        Assert.False(seen.IsBase64Encoded);
        var rc = seen.RequestContext!;
        Assert.Equal("/otp/verify", rc.ResourcePath);
        Assert.Equal("GET", rc.HttpMethod);
        Assert.Equal("Prod", rc.Stage);
        Assert.True(Guid.TryParse(rc.RequestId, out _));
        Assert.Equal("127.0.0.1", rc.Identity!.SourceIp);
        Assert.InRange(rc.RequestTimeEpoch, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task PostWithoutQuery_SendsNullQueryMaps_AndTheBodyAsText()
    {
        ApiGatewayRequest? seen = null;
        var context = Request("POST", "/otp/generate", "", """{"email_address":"a@b.com"}""");

        await Proxy(e => seen = e).HandleAsync(context);

        Assert.Null(seen!.QueryStringParameters);
        Assert.Null(seen.MultiValueQueryStringParameters);
        Assert.Equal("""{"email_address":"a@b.com"}""", seen.Body);
        Assert.False(seen.IsBase64Encoded);
    }

    [Fact]
    public async Task SerializedEvent_HasApiGatewaysJsonNames()
    {
        string? json = null;
        var pools = Pools(async input =>
        {
            json = await new StreamReader(input).ReadToEndAsync();
            return Answer(200);
        });

        await new ApiProxy(pools, TextWriter.Null, TimeProvider.System).HandleAsync(Request("GET", "/otp/generate", "?email_address=x%40y.z"));

        using var doc = JsonDocument.Parse(json!);
        var root = doc.RootElement;
        foreach (var name in new[] { "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "requestContext", "isBase64Encoded" })
        {
            Assert.True(root.TryGetProperty(name, out _), $"missing {name}");
        }

        Assert.Equal("127.0.0.1", root.GetProperty("requestContext").GetProperty("identity").GetProperty("sourceIp").GetString());
    }

    [Fact]
    public async Task ProxyResponse_BecomesTheHttpResponse()
    {
        var context = Request("GET", "/otp/generate", "?email_address=x%40y.z");

        await Proxy(_ => { }, status: 429, headers: new() { ["Retry-After"] = "30", ["Content-Type"] = "application/json" }, body: """{"status":"rate_limited"}""").HandleAsync(context);

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("30", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("application/json", context.Response.ContentType);
        Assert.Equal("""{"status":"rate_limited"}""", Body(context));
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("DELETE", "/otp/generate")]
    [InlineData("GET", "/otp/generate/extra")]
    public async Task UnknownRouteOrMethod_Answers403MissingAuthenticationToken(string method, string path)
    {
        var called = false;
        var context = Request(method, path, "");

        await Proxy(_ => called = true).HandleAsync(context);

        Assert.False(called);
        Assert.Equal(403, context.Response.StatusCode);
        Assert.Contains("Missing Authentication Token", Body(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingFunction_Answers502_WithoutInternals()
    {
        var context = Request("GET", "/otp/verify", "?otp=1");
        var pools = Pools(_ => throw new InvalidOperationException("secret detail"));

        await new ApiProxy(pools, TextWriter.Null, TimeProvider.System).HandleAsync(context);

        Assert.Equal(502, context.Response.StatusCode);
        Assert.DoesNotContain("secret", Body(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogLine_HasMethodPathStatus_ButNoQueryString()
    {
        using var log = new StringWriter();
        var pools = Pools(_ => Task.FromResult<Stream>(Answer(401)));

        await new ApiProxy(pools, log, TimeProvider.System).HandleAsync(Request("GET", "/otp/verify", "?email_address=a%40b.com&otp=424242"));

        var line = log.ToString();
        Assert.Contains("GET /otp/verify 401", line, StringComparison.Ordinal);
        Assert.DoesNotContain("424242", line, StringComparison.Ordinal);
        Assert.DoesNotContain("a%40b.com", line, StringComparison.Ordinal);
    }

    /// <summary>Not a timed assertion: reports the proxy path's own cost (event build, JSON both ways, response write) with a no-op function.</summary>
    [Fact]
    public async Task RepeatedRequests_ReuseThePooledFunction_AndForwardEveryAnswer()
    {
        var built = 0;
        var answer = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new ApiGatewayResponse { StatusCode = 202, Headers = new() { ["Content-Type"] = "application/json" }, Body = """{"status":"sent"}""" }, LambdaJsonContext.Default.ApiGatewayResponse));
        var pools = LambdaFunctions.Names.ToDictionary(n => n, n => new FunctionPool(n, () =>
        {
            Interlocked.Increment(ref built);
            return _ => Task.FromResult<Stream>(new MemoryStream(answer));
        }), StringComparer.Ordinal);
        var proxy = new ApiProxy(pools, TextWriter.Null, TimeProvider.System);

        for (var i = 0; i < 50; i++)
        {
            var context = Request("GET", "/otp/generate", "?email_address=someone%40example.com");
            await proxy.HandleAsync(context);
            Assert.Equal(202, context.Response.StatusCode);
        }

        // One instance serves sequential requests, as a warm Lambda container does.
        Assert.Equal(1, built);
    }

    private static ApiProxy Proxy(Action<ApiGatewayRequest> see, int status = 200, Dictionary<string, string>? headers = null, string body = "{}")
    {
        return new ApiProxy(Pools(async input =>
        {
            var e = await JsonSerializer.DeserializeAsync(input, LambdaJsonContext.Default.ApiGatewayRequest);
            see(e!);
            return Answer(status, headers, body);
        }), TextWriter.Null, TimeProvider.System);
    }

    private static Dictionary<string, FunctionPool> Pools(Func<Stream, Task<Stream>> handler) =>
        LambdaFunctions.Names.ToDictionary(n => n, n => new FunctionPool(n, () => input => handler(input)), StringComparer.Ordinal);

    private static MemoryStream Answer(int status, Dictionary<string, string>? headers = null, string body = "{}") =>
        new(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
            new ApiGatewayResponse { StatusCode = status, Headers = headers ?? [], Body = body }, LambdaJsonContext.Default.ApiGatewayResponse)));

    private static DefaultHttpContext Request(string method, string path, string query, string? body = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.Headers.Host = "127.0.0.1:3000";
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }
}
