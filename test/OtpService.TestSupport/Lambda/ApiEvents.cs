using System.Text;
using System.Text.Json;
using OtpService.Core.Lambda;

namespace OtpService.Tests.Support;

/// <summary>Builds API Gateway REST (v1) proxy events the way API Gateway sends them.</summary>
public sealed class ApiEvent
{
    private readonly ApiGatewayRequest _request = new()
    {
        Resource = "/otp/generate",
        Path = "/otp/generate",
        HttpMethod = "GET",
        Headers = new() { ["Host"] = "abc123.execute-api.us-east-1.amazonaws.com" },
        RequestContext = new ApiGatewayRequestContext
        {
            RequestId = Guid.NewGuid().ToString(),
            DomainName = "abc123.execute-api.us-east-1.amazonaws.com",
            Stage = "Prod",
            Identity = new ApiGatewayIdentity { SourceIp = "203.0.113.7" },
        },
    };

    public static ApiEvent Get(string path) => new ApiEvent().At(path, "GET");

    public static ApiEvent Post(string path) => new ApiEvent().At(path, "POST");

    public ApiEvent At(string path, string method)
    {
        _request.Path = _request.Resource = path;
        _request.HttpMethod = method;
        return this;
    }

    public ApiEvent Query(string name, string value)
    {
        (_request.QueryStringParameters ??= [])[name] = value;
        var multi = _request.MultiValueQueryStringParameters ??= [];
        (multi.TryGetValue(name, out var values) && values is not null ? values : multi[name] = []).Add(value);
        return this;
    }

    public ApiEvent Body(string body, string contentType)
    {
        _request.Body = body;
        _request.Headers!["Content-Type"] = contentType;
        return this;
    }

    /// <summary>An HTTP API event (payload format 2.0): the raw query string as sent, the request line in requestContext.http.</summary>
    public static ApiEvent HttpApi(string method, string path, string rawQuery = "")
    {
        var e = new ApiEvent();
        var request = e._request;
        request.Version = "2.0";
        request.RouteKey = $"{method} {path}";
        request.RawPath = path;
        request.RawQueryString = rawQuery;
        request.Resource = request.Path = request.HttpMethod = null;
        request.RequestContext!.Identity = null;
        request.RequestContext.Http = new HttpApiRequestLine { Method = method, Path = path, SourceIp = "203.0.113.7" };
        return e;
    }

    /// <summary>Sets the caller's source IP (REST requestContext.identity.sourceIp, HTTP API requestContext.http.sourceIp), which the per-client limits key on.</summary>
    public ApiEvent From(string sourceIp)
    {
        if (_request.IsHttpApiV2)
        {
            _request.RequestContext!.Http!.SourceIp = sourceIp;
        }
        else
        {
            _request.RequestContext!.Identity = new ApiGatewayIdentity { SourceIp = sourceIp };
        }

        return this;
    }

    /// <summary>A body of any bytes, base64-encoded as API Gateway sends a binary body (isBase64Encoded).</summary>
    public ApiEvent Base64Body(byte[] body, string contentType)
    {
        Body(Convert.ToBase64String(body), contentType);
        _request.IsBase64Encoded = true;
        return this;
    }

    /// <summary>Sets a header (both header maps, as API Gateway does).</summary>
    public ApiEvent Header(string name, string value)
    {
        _request.Headers![name] = value;
        (_request.MultiValueHeaders ??= [])[name] = [value];
        return this;
    }

    public ApiEvent Json(string json) => Body(json, "application/json");

    public Stream ToStream() => new MemoryStream(ToBytes());

    /// <summary>The event's JSON, as API Gateway hands it to the function.</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(_request, LambdaJsonContext.Default.ApiGatewayRequest);

    public static Stream Raw(string json) => new MemoryStream(Encoding.UTF8.GetBytes(json));

    /// <summary>An event of any bytes (not necessarily UTF-8 or JSON).</summary>
    public static Stream Raw(byte[] bytes) => new MemoryStream(bytes);
}

/// <summary>Reads a handler's proxy response and its JSON body.</summary>
public sealed record ApiResult(int StatusCode, IReadOnlyDictionary<string, string> Headers, JsonElement Body)
{
    public string Status => Body.GetProperty("status").GetString()!;
    public string Message => Body.GetProperty("message").GetString()!;

    public int? Number(string name) => Body.TryGetProperty(name, out var value) ? value.GetInt32() : null;

    public static async Task<ApiResult> ReadAsync(Task<Stream> handled) => Read(await handled);

    /// <summary>A proxy response as a function wrote it (its Runtime API response body, for instance).</summary>
    public static ApiResult Read(Stream response) => Read(JsonSerializer.Deserialize(response, LambdaJsonContext.Default.ApiGatewayResponse)!);

    public static ApiResult Read(byte[] response) => Read(JsonSerializer.Deserialize(response, LambdaJsonContext.Default.ApiGatewayResponse)!);

    private static ApiResult Read(ApiGatewayResponse response) =>
        new(response.StatusCode, response.Headers, JsonDocument.Parse(response.Body).RootElement.Clone());
}
