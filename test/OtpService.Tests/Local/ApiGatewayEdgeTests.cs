using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OtpService.Core.Contracts;
using OtpService.Local.Api;
using OtpService.Local.Lambda;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>What API Gateway answers itself, before any function: CORS preflights from the template's settings, and requests over its limits.</summary>
public sealed class ApiGatewayEdgeTests
{
    private static readonly CorsSettings TemplateCors =
        SamTemplate.Load(name => name == "OTP_CORS_ALLOWED_ORIGIN" ? "https://app.example.com" : null).Cors()!;

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

    [Fact]
    public async Task BodyOverTenMegabytes_Is413InApiGatewaysJsonShape()
    {
        var (context, invoked) = await SendAsync("POST", "/otp/generate", configure: c => c.Request.ContentLength = ApiProxy.MaxBodyBytes + 1L);

        Assert.False(invoked);
        Assert.Equal(413, context.Response.StatusCode);
        Assert.Equal("Request Too Long", Message(context));
    }

    private static async Task<(DefaultHttpContext Context, bool Invoked)> SendAsync(
        string method, string path, string query = "", CorsSettings? cors = null, Action<DefaultHttpContext>? configure = null)
    {
        var invoked = false;
        var answer = JsonSerializer.Serialize(new ApiGatewayResponse { StatusCode = 200, Body = "{}" }, LambdaJsonContext.Default.ApiGatewayResponse);
        var pools = LambdaFunctions.Names.ToDictionary(
            n => n,
            n => new FunctionPool(n, () => _ =>
            {
                invoked = true;
                return Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(answer)));
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

        await new ApiProxy(pools, TextWriter.Null, cors).HandleAsync(context);
        return (context, invoked);
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }

    private static string? Message(HttpContext context) =>
        JsonDocument.Parse(Body(context)).RootElement.GetProperty("message").GetString();
}
