using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>Lambda proxy integration response; REST (v1) and HTTP API (v2) both accept this shape.</summary>
public sealed class ApiGatewayResponse
{
    [JsonPropertyName("statusCode")] public int StatusCode { get; set; }
    [JsonPropertyName("headers")] public Dictionary<string, string> Headers { get; set; } = [];
    [JsonPropertyName("body")] public string Body { get; set; } = "";
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; set; }
}
