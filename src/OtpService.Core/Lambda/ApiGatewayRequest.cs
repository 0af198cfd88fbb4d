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
