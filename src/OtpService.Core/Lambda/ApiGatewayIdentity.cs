using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

public sealed class ApiGatewayIdentity
{
    [JsonPropertyName("sourceIp")] public string? SourceIp { get; set; }
    [JsonPropertyName("userAgent")] public string? UserAgent { get; set; }
}
