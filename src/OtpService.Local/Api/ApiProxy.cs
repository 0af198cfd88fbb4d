using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Contracts;
using OtpService.Local.Lambda;
using OtpService.Local.Template;

namespace OtpService.Local.Api;

/// <summary>
/// What API Gateway's REST API does in front of a Lambda proxy integration: refuse a URL longer
/// than a regional API takes (414) and a body over 10 MB (413); answer a CORS preflight
/// (OPTIONS) the way SAM's CORS configuration in template.yaml does (a mock integration); match
/// the route, build the proxy event, invoke the function, turn its proxy response into the HTTP
/// response (502 "Internal server error" when the function fails or answers something that is
/// not a proxy response). Its own errors have API Gateway's shape: JSON <c>{"message": ...}</c>.
/// Logs one line per request: method, path (never the query string: it carries the code), status, time.
/// </summary>
internal sealed class ApiProxy(IReadOnlyDictionary<string, FunctionPool> functions, TextWriter log, CorsSettings? cors = null)
{
    /// <summary>"Length, in characters, of the URL for a regional API": https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html</summary>
    public const int MaxUrlLength = 10240;

    /// <summary>API Gateway's payload limit, 10 MB (same quota page).</summary>
    public const int MaxBodyBytes = 10 * 1024 * 1024;

    private static readonly string[] SkippedResponseHeaders = ["Content-Length", "Transfer-Encoding", "Connection"];

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        var route = ApiRoutes.Match(method, path);
        int status;
        if (RawTarget(context).Length > MaxUrlLength)
        {
            // The words are ours: AWS documents the status ("414 Request URI too long"), not the body.
            status = StatusCodes.Status414UriTooLong;
            await WriteGatewayErrorAsync(context, status, "Request URI too long").ConfigureAwait(false);
        }
        else if (HttpMethods.IsOptions(method) && cors is not null && ApiRoutes.IsResource(path))
        {
            status = await WritePreflightAsync(context, cors).ConfigureAwait(false);
        }
        else if (route is null)
        {
            status = StatusCodes.Status403Forbidden;
            await WriteGatewayErrorAsync(context, status, "Missing Authentication Token").ConfigureAwait(false);
        }
        else
        {
            status = await InvokeAsync(context, route).ConfigureAwait(false);
        }

        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {method} {context.Request.Path.Value} {status} {ms:0.0} ms"));
    }

    private static string RawTarget(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget
        ?? (context.Request.Path.Value + context.Request.QueryString.Value);

    /// <summary>
    /// SAM's CORS support: an OPTIONS method per resource with a mock integration answering 200,
    /// body <c>{}</c>, and the Access-Control-Allow-* headers of the template's Cors settings
    /// (no Allow-Origin when the template gives none). It answers every preflight the same way.
    /// </summary>
    private static async Task<int> WritePreflightAsync(HttpContext context, CorsSettings settings)
    {
        var headers = context.Response.Headers;
        if (settings.AllowOrigin is { Length: > 0 } origin)
        {
            headers.AccessControlAllowOrigin = origin;
        }

        if (settings.AllowMethods.Length > 0)
        {
            headers.AccessControlAllowMethods = settings.AllowMethods;
        }

        if (settings.AllowHeaders.Length > 0)
        {
            headers.AccessControlAllowHeaders = settings.AllowHeaders;
        }

        if (settings.MaxAge is { Length: > 0 } maxAge)
        {
            headers.AccessControlMaxAge = maxAge;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        var body = "{}"u8.ToArray();
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        return StatusCodes.Status200OK;
    }

    private async Task<int> InvokeAsync(HttpContext context, ApiRoute route)
    {
        var cancellationToken = context.RequestAborted;
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await WriteGatewayErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "Request Too Long").ConfigureAwait(false);
            return StatusCodes.Status413PayloadTooLarge;
        }

        ApiGatewayRequest proxyEvent;
        try
        {
            proxyEvent = await ProxyEventBuilder.BuildAsync(context, route, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body that grew past the limit (Kestrel's MaxRequestBodySize is set to it).
            await WriteGatewayErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "Request Too Long").ConfigureAwait(false);
            return StatusCodes.Status413PayloadTooLarge;
        }

        using var input = new MemoryStream();
        JsonSerializer.Serialize(input, proxyEvent, LambdaJsonContext.Default.ApiGatewayRequest);
        input.Position = 0;

        ApiGatewayResponse? response;
        try
        {
            using var output = await functions[route.Function].InvokeAsync(input).ConfigureAwait(false);
            response = await JsonSerializer.DeserializeAsync(output, LambdaJsonContext.Default.ApiGatewayResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            log.WriteLine($"{route.Function} returned no valid proxy response ({e.Message}); a stream left at its end reads as empty in Lambda too.");
            response = null;
        }
#pragma warning disable CA1031 // Any function failure becomes API Gateway's 502, as in AWS.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            log.WriteLine($"{route.Function} failed: {e}");
            response = null;
        }

        if (response is null || response.StatusCode is < 100 or > 599)
        {
            await WriteGatewayErrorAsync(context, StatusCodes.Status502BadGateway, "Internal server error").ConfigureAwait(false);
            return StatusCodes.Status502BadGateway;
        }

        await WriteAsync(context.Response, response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    private static async Task WriteAsync(HttpResponse http, ApiGatewayResponse response, CancellationToken cancellationToken)
    {
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            if (!SkippedResponseHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                http.Headers[name] = value;
            }
        }

        var body = response.IsBase64Encoded ? Convert.FromBase64String(response.Body) : Encoding.UTF8.GetBytes(response.Body);
        http.ContentLength = body.Length;
        await http.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteGatewayErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = Encoding.UTF8.GetBytes($"{{\"message\":\"{message}\"}}");
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
