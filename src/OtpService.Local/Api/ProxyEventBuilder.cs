using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Lambda;

namespace OtpService.Local.Api;

/// <summary>
/// Builds the event API Gateway's REST API sends to a Lambda proxy integration, from an HTTP
/// request: single- and multi-value headers and query parameters (null when there are none,
/// as API Gateway sends them; the query decoded by the service's rule, <see cref="FormUrlEncoding"/>), the body as text (null when empty; base64 with isBase64Encoded
/// when it is not UTF-8), and a requestContext with a fresh request id and the caller's IP.
/// </summary>
internal static class ProxyEventBuilder
{
    public const string Stage = "Prod";
    public const string AccountId = "123456789012";
    public const string ApiId = "local";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<ApiGatewayRequest> BuildAsync(HttpContext context, ApiRoute route, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(clock);
        var request = context.Request;
        var (body, isBase64) = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        var remote = context.Connection.RemoteIpAddress;
        var sourceIp = (remote is { IsIPv4MappedToIPv6: true } ? remote.MapToIPv4() : remote)?.ToString() ?? "127.0.0.1";
        var now = clock.GetUtcNow();

        var headers = new Dictionary<string, string?>(StringComparer.Ordinal);
        var multiHeaders = new Dictionary<string, List<string?>?>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            multiHeaders[name] = [.. values];
            headers[name] = values.Count > 0 ? values[^1] : "";
        }

        // API Gateway adds these; handlers that look at the client address read them.
        AddIfMissing(headers, multiHeaders, "X-Forwarded-For", sourceIp);
        AddIfMissing(headers, multiHeaders, "X-Forwarded-Port", context.Connection.LocalPort.ToString(CultureInfo.InvariantCulture));
        AddIfMissing(headers, multiHeaders, "X-Forwarded-Proto", request.Scheme);

        // The service's one decoding rule (FormUrlEncoding), not ASP.NET's, which keeps an undecodable
        // escape (%FF, %G1) as literal text: what cannot be decoded reaches the function as U+FFFD,
        // which it refuses naming the parameter, as it refuses the same bytes in a form body.
        Dictionary<string, string?>? query = null;
        Dictionary<string, List<string?>?>? multiQuery = null;
        var pairs = FormUrlEncoding.Parse(request.QueryString.HasValue ? request.QueryString.Value![1..] : "");
        if (pairs.Count > 0)
        {
            query = new(StringComparer.Ordinal);
            multiQuery = new(StringComparer.Ordinal);
            foreach (var pair in pairs)
            {
                (multiQuery.TryGetValue(pair.Name, out var list) && list is not null ? list : multiQuery[pair.Name] = []).Add(pair.Value);
                query[pair.Name] = pair.Value;
            }
        }

        var userAgent = request.Headers.UserAgent.Count > 0 ? request.Headers.UserAgent[^1] : null;
        return new ApiGatewayRequest
        {
            Resource = route.Resource,
            Path = request.Path.Value ?? route.Resource,
            HttpMethod = route.Method,
            Headers = headers,
            MultiValueHeaders = multiHeaders,
            QueryStringParameters = query,
            MultiValueQueryStringParameters = multiQuery,
            PathParameters = null,
            StageVariables = null,
            RequestContext = new ApiGatewayRequestContext
            {
                AccountId = AccountId,
                ApiId = ApiId,
                RequestId = Guid.NewGuid().ToString(),
                DomainName = request.Host.Value,
                Stage = Stage,
                ResourcePath = route.Resource,
                HttpMethod = route.Method,
                Path = $"/{Stage}{request.Path.Value}",
                Protocol = request.Protocol,
                RequestTimeEpoch = now.ToUnixTimeMilliseconds(),
                Identity = new ApiGatewayIdentity { SourceIp = sourceIp, UserAgent = userAgent },
            },
            Body = body,
            IsBase64Encoded = isBase64,
        };
    }

    private static async Task<(string? Body, bool IsBase64)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0))
        {
            return (null, false);
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (buffer.Length == 0)
        {
            return (null, false);
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        try
        {
            return (StrictUtf8.GetString(bytes), false);
        }
        catch (DecoderFallbackException)
        {
            return (Convert.ToBase64String(bytes), true);
        }
    }

    private static void AddIfMissing(Dictionary<string, string?> headers, Dictionary<string, List<string?>?> multi, string name, string value)
    {
        if (!headers.Keys.Any(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)))
        {
            headers[name] = value;
            multi[name] = [value];
        }
    }
}
