using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Contracts;
using OtpService.Local.Lambda;

namespace OtpService.Local.Api;

/// <summary>
/// What API Gateway does for a Lambda proxy integration: match the route, build the proxy event,
/// invoke the function, turn its proxy response into the HTTP response (502 "Internal server
/// error" when the function fails or answers something that is not a proxy response).
/// Logs one line per request: method, path (never the query string: it carries the code), status, time.
/// </summary>
internal sealed class ApiProxy(IReadOnlyDictionary<string, FunctionPool> functions, TextWriter log)
{
    private static readonly string[] SkippedResponseHeaders = ["Content-Length", "Transfer-Encoding", "Connection"];

    /// <summary>Called after each function invocation with its route and HTTP status (the runner watches GenerateOtp).</summary>
    public Action<ApiRoute, int>? Invoked { get; init; }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var method = context.Request.Method;
        var route = ApiRoutes.Match(method, context.Request.Path.Value ?? "/");
        int status;
        if (route is null)
        {
            status = StatusCodes.Status403Forbidden;
            await WriteGatewayErrorAsync(context, status, "Missing Authentication Token").ConfigureAwait(false);
        }
        else
        {
            status = await InvokeAsync(context, route).ConfigureAwait(false);
            Invoked?.Invoke(route, status);
        }

        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {method} {context.Request.Path.Value} {status} {ms:0.0} ms"));
    }

    private async Task<int> InvokeAsync(HttpContext context, ApiRoute route)
    {
        var cancellationToken = context.RequestAborted;
        var proxyEvent = await ProxyEventBuilder.BuildAsync(context, route, cancellationToken).ConfigureAwait(false);
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
