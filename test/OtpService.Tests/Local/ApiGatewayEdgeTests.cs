using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OtpService.Core.Lambda;
using OtpService.Local.Api;
using OtpService.Local.Lambda;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>
/// What API Gateway answers itself, before or instead of a function: CORS preflights from the
/// template's settings, and its own errors (a request over its limits, no such route, a function
/// that fails or does not answer in time) as the template's gateway responses shape them.
/// </summary>
public sealed class ApiGatewayEdgeTests
{
    private const string Origin = "https://app.example.com";

    private static readonly SamTemplate WithOrigin = SamTemplate.Load(name => name == "OTP_CORS_ALLOWED_ORIGIN" ? Origin : null);

    private static readonly CorsSettings TemplateCors = WithOrigin.Cors()!;

    private static readonly GatewayResponses TemplateResponses = WithOrigin.GatewayResponses();

    [Theory]
    [InlineData("/otp/generate")]
    [InlineData("/otp/verify")]
    [InlineData("/otp/verify/")]
    public async Task Preflight_WithAnOrigin_IsAnsweredFromTheTemplatesCorsSettings(string path)
    {
        var (context, invoked) = await SendAsync("OPTIONS", path, cors: TemplateCors, configure: c =>
        {
            c.Request.Headers.Origin = "https://app.example.com";
            c.Request.Headers.AccessControlRequestMethod = "POST";
            c.Request.Headers.AccessControlRequestHeaders = "content-type";
        });

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("https://app.example.com", context.Response.Headers.AccessControlAllowOrigin);
        Assert.Equal("GET,POST,OPTIONS", context.Response.Headers.AccessControlAllowMethods);
        Assert.Equal("Content-Type", context.Response.Headers.AccessControlAllowHeaders);
        Assert.Equal("600", context.Response.Headers.AccessControlMaxAge);
        Assert.Equal("{}", Body(context));
        Assert.False(invoked, "API Gateway's mock answers the preflight; no function runs");
    }

    [Fact]
    public async Task Preflight_WithoutAnOrigin_HasNoAllowOrigin_SoBrowsersRefuse()
    {
        var cors = SamTemplate.Load(_ => null).Cors();

        var (context, _) = await SendAsync("OPTIONS", "/otp/generate", cors: cors);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Preflight_OnAnUnknownResource_IsMissingAuthenticationToken()
    {
        var (context, _) = await SendAsync("OPTIONS", "/otp/other", cors: TemplateCors);

        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("Missing Authentication Token", Message(context));
    }

    [Theory]
    [InlineData("GET", "/nowhere")]
    [InlineData("DELETE", "/otp/generate")]
    [InlineData("POST", "/.well-known/jwks.json")]
    public async Task NoSuchRoute_Is403_ReadableByThePage_InTheApisShape(string method, string path)
    {
        var (context, invoked) = await SendAsync(method, path, cors: TemplateCors, responses: TemplateResponses);

        Assert.False(invoked);
        AssertGatewayAnswer(context, 403, "request_refused", Origin);
        Assert.Equal("Missing Authentication Token", Message(context));
    }

    [Fact]
    public async Task GatewayAnswers_WithoutAnOrigin_CarryNoCorsHeader_AsTheFunctionsAnswersDoNot()
    {
        var responses = SamTemplate.Load(_ => null).GatewayResponses();

        var (context, _) = await SendAsync("POST", "/otp/generate", responses: responses, configure: c => c.Request.ContentLength = ApiProxy.MaxBodyBytes + 1L);

        AssertGatewayAnswer(context, 413, "request_too_large", origin: null);
    }

    [Fact]
    public async Task FailingFunction_Is502_InTheApisShape_WithCors()
    {
        var (context, invoked) = await SendAsync("GET", "/otp/generate", "?email_address=a%40example.com", responses: TemplateResponses, function: _ => throw new InvalidOperationException("injected crash"));

        Assert.True(invoked);
        AssertGatewayAnswer(context, 502, "internal_error", Origin);
        Assert.Equal(OtpService.Core.Lambda.ApiResponses.InternalError.Body.Message, Message(context));
    }

    [Fact]
    public async Task FunctionPastItsLambdaTimeout_Is502_AsLambdaStopsItFirst()
    {
        // A function that never answers (the fault itself, not a stand-in for a part): Lambda's
        // timeout (here 1 s) comes before API Gateway's integration timeout, so API Gateway sees a
        // failed invocation ("Task timed out"): 502.
        var never = new TaskCompletionSource<Stream>();
        var (context, invoked) = await SendAsync(
            "POST", "/otp/verify", responses: TemplateResponses, function: _ => never.Task,
            timeouts: (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(29)));

        Assert.True(invoked);
        AssertGatewayAnswer(context, 502, "internal_error", Origin);
    }

    [Fact]
    public async Task FunctionPastTheIntegrationTimeout_Is504_InTheApisShape_WithCors()
    {
        // A Lambda timeout above API Gateway's integration timeout (the template keeps it below;
        // here 60 s against 1 s): API Gateway stops waiting first, INTEGRATION_TIMEOUT's 504.
        var never = new TaskCompletionSource<Stream>();
        var (context, invoked) = await SendAsync(
            "GET", "/otp/generate", "?email_address=a%40example.com", responses: TemplateResponses, function: _ => never.Task,
            timeouts: (TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1)));

        Assert.True(invoked);
        AssertGatewayAnswer(context, 504, "timed_out", Origin);
    }

    [Fact]
    public async Task FunctionAnsweringWithinItsTimeout_IsPassedThrough()
    {
        var (context, invoked) = await SendAsync(
            "GET", "/otp/generate", "?email_address=a%40example.com", responses: TemplateResponses,
            timeouts: (TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)));

        Assert.True(invoked);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("{}", Body(context));
    }

    [Fact]
    public async Task UrlOf10000Characters_IsWithinRegionalApiGatewaysLimit_AndReachesTheFunction()
    {
        var query = "?email_address=" + new string('a', 10_000);

        var (context, invoked) = await SendAsync("GET", "/otp/generate", query);

        Assert.True(invoked);
        Assert.Equal(200, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/otp/generate")]
    [InlineData("POST", "/otp/verify")]
    [InlineData("GET", "/nowhere")]
    public async Task UrlOverRegionalApiGatewaysLimit_Is414InApiGatewaysJsonShape(string method, string path)
    {
        var query = "?email_address=" + new string('a', ApiProxy.MaxUrlLength);

        var (context, invoked) = await SendAsync(method, path, query);

        Assert.False(invoked);
        Assert.Equal(414, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        Assert.False(string.IsNullOrEmpty(Message(context)));
    }

    [Theory]
    [InlineData("GET", "/otp/generate")]
    [InlineData("POST", "/otp/verify")]
    public async Task UrlOverTheQuota_Is414_ReadableByThePage_InTheApisShape(string method, string path)
    {
        var (context, _) = await SendAsync(method, path, "?email_address=" + new string('a', ApiProxy.MaxUrlLength), responses: TemplateResponses);

        AssertGatewayAnswer(context, 414, "request_refused", Origin);
    }

    [Fact]
    public async Task BodyOverTenMegabytes_Is413InApiGatewaysJsonShape()
    {
        var (context, invoked) = await SendAsync("POST", "/otp/generate", configure: c => c.Request.ContentLength = ApiProxy.MaxBodyBytes + 1L);

        Assert.False(invoked);
        Assert.Equal(413, context.Response.StatusCode);
        Assert.Equal("Request Too Long", Message(context));
    }

    [Fact]
    public async Task BodyOverTenMegabytes_Is413_ReadableByThePage_InTheApisShape()
    {
        var (context, invoked) = await SendAsync("POST", "/otp/generate", responses: TemplateResponses, configure: c => c.Request.ContentLength = ApiProxy.MaxBodyBytes + 1L);

        Assert.False(invoked);
        AssertGatewayAnswer(context, 413, "request_too_large", Origin);
    }

    private static async Task<(DefaultHttpContext Context, bool Invoked)> SendAsync(
        string method,
        string path,
        string query = "",
        CorsSettings? cors = null,
        Action<DefaultHttpContext>? configure = null,
        GatewayResponses? responses = null,
        Func<Stream, Task<Stream>>? function = null,
        (TimeSpan Lambda, TimeSpan Integration)? timeouts = null)
    {
        var invoked = false;
        var answer = JsonSerializer.Serialize(new ApiGatewayResponse { StatusCode = 200, Body = "{}" }, LambdaJsonContext.Default.ApiGatewayResponse);
        var pools = LambdaFunctions.Names.ToDictionary(
            n => n,
            n => new FunctionPool(n, () => input =>
            {
                invoked = true;
                return function?.Invoke(input) ?? Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(answer)));
            }),
            StringComparer.Ordinal);
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = path + query;
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        context.Response.Body = new MemoryStream();
        configure?.Invoke(context);

        var lambdaTimeouts = timeouts is { } t ? LambdaFunctions.Names.ToDictionary(n => n, _ => t.Lambda, StringComparer.Ordinal) : null;
        // Bounded: a proxy that waited for a function that never answers would hang the test run, not fail it.
        await new ApiProxy(pools, TextWriter.Null, TimeProvider.System, cors, responses, lambdaTimeouts, timeouts?.Integration).HandleAsync(context).WaitAsync(TimeSpan.FromMinutes(2));
        return (context, invoked);
    }

    /// <summary>The status, the headers the functions' answers carry (CORS only with an origin) and our {"status", "message"} shape.</summary>
    private static void AssertGatewayAnswer(HttpContext context, int status, string bodyStatus, string? origin)
    {
        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        Assert.Equal("no-store", context.Response.Headers.CacheControl);
        Assert.Equal("nosniff", context.Response.Headers.XContentTypeOptions);
        if (origin is null)
        {
            Assert.False(context.Response.Headers.ContainsKey("Access-Control-Allow-Origin"));
        }
        else
        {
            Assert.Equal(origin, context.Response.Headers.AccessControlAllowOrigin);
            Assert.Equal("Retry-After", context.Response.Headers.AccessControlExposeHeaders);
        }

        using var body = JsonDocument.Parse(Body(context));
        Assert.Equal(bodyStatus, body.RootElement.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("message").GetString()));
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }

    private static string? Message(HttpContext context) =>
        JsonDocument.Parse(Body(context)).RootElement.GetProperty("message").GetString();
}
