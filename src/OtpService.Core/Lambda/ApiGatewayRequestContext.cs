using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

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
