using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Lambda;
using OtpService.Local.Lambda;
using OtpService.Local.Template;

namespace OtpService.Local.Api;

/// <summary>
/// What API Gateway's REST API does in front of a Lambda proxy integration: refuse a URL longer
/// than a regional API takes (414) and a body over 10 MB (413); answer a CORS preflight
/// (OPTIONS) the way SAM's CORS configuration in template.yaml does (a mock integration); match
/// the route, build the proxy event, invoke the function, turn its proxy response into the HTTP
/// response (502 "Internal server error" when the function fails or answers something that is
/// not a proxy response, or does not answer within its Lambda timeout), 504 when it does not
/// answer within API Gateway's integration timeout. Its own errors are the template's gateway
/// responses (<see cref="GatewayResponses"/>: CORS headers and the API's JSON shape), or API
/// Gateway's untouched <c>{"message": ...}</c> when none is given.
/// Logs one line per request: method, path (never the query string: it carries the code), status, time.
/// </summary>
/// <param name="functions">The functions by the runner's name.</param>
/// <param name="log">The request log.</param>
/// <param name="clock">The runner's clock (the request log's time and durations, the events' request time).</param>
/// <param name="cors">The template's CORS settings (the preflight); null: no preflight.</param>
/// <param name="gatewayResponses">The template's gateway responses; null: API Gateway's untouched answers.</param>
/// <param name="functionTimeouts">Each function's Lambda timeout (template.yaml); a function not listed is waited for up to the integration timeout.</param>
/// <param name="integrationTimeout">API Gateway's integration timeout; null: <see cref="DefaultIntegrationTimeout"/>.</param>
internal sealed class ApiProxy(
    IReadOnlyDictionary<string, FunctionPool> functions,
    TextWriter log,
    TimeProvider clock,
    CorsSettings? cors = null,
    GatewayResponses? gatewayResponses = null,
    IReadOnlyDictionary<string, TimeSpan>? functionTimeouts = null,
    TimeSpan? integrationTimeout = null)
{
    /// <summary>API Gateway's default integration timeout for a REST API, 29 s (same quota page).</summary>
    public static readonly TimeSpan DefaultIntegrationTimeout = TimeSpan.FromSeconds(29);

    private readonly GatewayResponses responses = gatewayResponses ?? GatewayResponses.Untouched;
    private readonly TimeSpan integrationLimit = integrationTimeout ?? DefaultIntegrationTimeout;

    /// <summary>"Length, in characters, of the URL for a regional API": https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html</summary>
    public const int MaxUrlLength = 10240;

    /// <summary>API Gateway's payload limit, 10 MB (same quota page).</summary>
    public const int MaxBodyBytes = 10 * 1024 * 1024;

    private static readonly string[] SkippedResponseHeaders = ["Content-Length", "Transfer-Encoding", "Connection"];

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = clock.GetTimestamp();
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        var route = ApiRoutes.Match(method, path);
        int status;
        if (RawTarget(context).Length > MaxUrlLength)
        {
            // The words are ours: AWS documents the status ("414 Request URI too long"), not the body,
            // nor a gateway response type for it; DEFAULT_4XX is API Gateway's fallback for a 4XX.
            status = await WriteGatewayErrorAsync(context, GatewayResponses.Default4xx, StatusCodes.Status414UriTooLong, "Request URI too long").ConfigureAwait(false);
        }
        else if (HttpMethods.IsOptions(method) && cors is not null && ApiRoutes.IsResource(path))
        {
            status = await WritePreflightAsync(context, cors).ConfigureAwait(false);
        }
        else if (route is null)
        {
            status = await WriteGatewayErrorAsync(context, GatewayResponses.MissingAuthenticationToken, StatusCodes.Status403Forbidden, "Missing Authentication Token").ConfigureAwait(false);
        }
        else
        {
            status = await InvokeAsync(context, route).ConfigureAwait(false);
        }

        var ms = clock.GetElapsedTime(started).TotalMilliseconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.GetLocalNow():HH:mm:ss} {method} {context.Request.Path.Value} {status} {ms:0.0} ms"));
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
            return await WriteGatewayErrorAsync(context, GatewayResponses.RequestTooLarge, StatusCodes.Status413PayloadTooLarge, "Request Too Long").ConfigureAwait(false);
        }

        ApiGatewayRequest proxyEvent;
        try
        {
            proxyEvent = await ProxyEventBuilder.BuildAsync(context, route, clock, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body that grew past the limit (Kestrel's MaxRequestBodySize is set to it).
            return await WriteGatewayErrorAsync(context, GatewayResponses.RequestTooLarge, StatusCodes.Status413PayloadTooLarge, "Request Too Long").ConfigureAwait(false);
        }

        using var input = new MemoryStream();
        JsonSerializer.Serialize(input, proxyEvent, LambdaJsonContext.Default.ApiGatewayRequest);
        input.Position = 0;

        // Lambda stops a function at its timeout (a function error: API Gateway answers 502); API
        // Gateway stops waiting at its integration timeout (504). The function here runs in-process
        // and cannot be stopped: the answer goes at whichever comes first, the function finishes unseen.
        var functionTimeout = functionTimeouts?.GetValueOrDefault(route.Function) ?? Timeout.InfiniteTimeSpan;
        var lambdaFirst = functionTimeout != Timeout.InfiniteTimeSpan && functionTimeout < integrationLimit;
        ApiGatewayResponse? response;
        var invocation = functions[route.Function].InvokeAsync(input);
        try
        {
            using var output = await invocation.WaitAsync(lambdaFirst ? functionTimeout : integrationLimit).ConfigureAwait(false);
            response = await JsonSerializer.DeserializeAsync(output, LambdaJsonContext.Default.ApiGatewayResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (lambdaFirst)
        {
            Forget(invocation);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{route.Function} did not answer within its Lambda timeout of {functionTimeout.TotalSeconds:0.###} s (Lambda: \"Task timed out\"); API Gateway answers 502."));
            response = null;
        }
        catch (TimeoutException)
        {
            Forget(invocation);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{route.Function} did not answer within API Gateway's integration timeout of {integrationLimit.TotalSeconds:0.###} s."));
            return await WriteGatewayErrorAsync(context, GatewayResponses.IntegrationTimeout, StatusCodes.Status504GatewayTimeout, "Endpoint request timed out").ConfigureAwait(false);
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
            return await WriteGatewayErrorAsync(context, GatewayResponses.Default5xx, StatusCodes.Status502BadGateway, "Internal server error").ConfigureAwait(false);
        }

        await WriteAsync(context.Response, response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>Disposes a late answer and observes a late failure of an invocation nobody waits for any more.</summary>
    private static void Forget(Task<Stream> invocation) =>
        _ = invocation.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Dispose();
                }

                return t.Exception;
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

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

    /// <summary>Writes API Gateway's own answer of <paramref name="type"/> as the template shapes it; returns the status sent.</summary>
    private async Task<int> WriteGatewayErrorAsync(HttpContext context, string type, int status, string message)
    {
        var answer = responses.Answer(type, status, message);
        context.Response.StatusCode = answer.StatusCode;
        foreach (var (name, value) in answer.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "application/json";
        var body = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        return answer.StatusCode;
    }
}
