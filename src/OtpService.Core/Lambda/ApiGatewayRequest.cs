using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>
/// The event API Gateway sends to a Lambda proxy integration. One type reads both payload
/// formats: REST API (v1: <c>httpMethod</c>, <c>multiValueQueryStringParameters</c>,
/// <c>requestContext.identity</c>) and HTTP API (v2: <c>version</c> "2.0",
/// <c>rawQueryString</c>, <c>requestContext.http</c>). Fields a format lacks stay null.
/// </summary>
public sealed class ApiGatewayRequest
{
    [JsonPropertyName("version")] public string? Version { get; set; }
    [JsonPropertyName("resource")] public string? Resource { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("rawPath")] public string? RawPath { get; set; }
    [JsonPropertyName("routeKey")] public string? RouteKey { get; set; }
    [JsonPropertyName("httpMethod")] public string? HttpMethod { get; set; }
    [JsonPropertyName("headers")] public Dictionary<string, string?>? Headers { get; set; }
    [JsonPropertyName("multiValueHeaders")] public Dictionary<string, List<string?>?>? MultiValueHeaders { get; set; }
    [JsonPropertyName("queryStringParameters")] public Dictionary<string, string?>? QueryStringParameters { get; set; }
    [JsonPropertyName("multiValueQueryStringParameters")] public Dictionary<string, List<string?>?>? MultiValueQueryStringParameters { get; set; }
    [JsonPropertyName("rawQueryString")] public string? RawQueryString { get; set; }
    [JsonPropertyName("pathParameters")] public Dictionary<string, string?>? PathParameters { get; set; }
    [JsonPropertyName("stageVariables")] public Dictionary<string, string?>? StageVariables { get; set; }
    [JsonPropertyName("cookies")] public List<string>? Cookies { get; set; }
    [JsonPropertyName("requestContext")] public ApiGatewayRequestContext? RequestContext { get; set; }
    [JsonPropertyName("body")] public string? Body { get; set; }
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; set; }

    [JsonIgnore] public bool IsHttpApiV2 => Version == "2.0";

    /// <summary>The HTTP method in either format, or null when the event carries none.</summary>
    [JsonIgnore] public string? Method => HttpMethod ?? RequestContext?.Http?.Method;
}

public sealed class ApiGatewayRequestContext
{
    [JsonPropertyName("accountId")] public string? AccountId { get; set; }
    [JsonPropertyName("apiId")] public string? ApiId { get; set; }
    [JsonPropertyName("requestId")] public string? RequestId { get; set; }
    /// <summary>The host the API was called on (e.g. a1b2c3d4e5.execute-api.us-east-1.amazonaws.com, or a custom domain).</summary>
    [JsonPropertyName("domainName")] public string? DomainName { get; set; }
    [JsonPropertyName("stage")] public string? Stage { get; set; }
    [JsonPropertyName("resourcePath")] public string? ResourcePath { get; set; }
    [JsonPropertyName("httpMethod")] public string? HttpMethod { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("protocol")] public string? Protocol { get; set; }
    [JsonPropertyName("requestTimeEpoch")] public long RequestTimeEpoch { get; set; }
    [JsonPropertyName("timeEpoch")] public long TimeEpoch { get; set; }
    /// <summary>REST API (v1) caller identity.</summary>
    [JsonPropertyName("identity")] public ApiGatewayIdentity? Identity { get; set; }
    /// <summary>HTTP API (v2) request line.</summary>
    [JsonPropertyName("http")] public HttpApiRequestLine? Http { get; set; }
}

public sealed class ApiGatewayIdentity
{
    [JsonPropertyName("sourceIp")] public string? SourceIp { get; set; }
    [JsonPropertyName("userAgent")] public string? UserAgent { get; set; }
}

public sealed class HttpApiRequestLine
{
    [JsonPropertyName("method")] public string? Method { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("protocol")] public string? Protocol { get; set; }
    [JsonPropertyName("sourceIp")] public string? SourceIp { get; set; }
    [JsonPropertyName("userAgent")] public string? UserAgent { get; set; }
}
