using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>A DynamoDB attribute value in the stream's JSON form (<c>{"S": "..."}</c>, <c>{"N": "1"}</c>, <c>{"B": "base64"}</c>).</summary>
public sealed class StreamAttributeValue
{
    [JsonPropertyName("S")] public string? S { get; set; }
    [JsonPropertyName("N")] public string? N { get; set; }
    /// <summary>Binary, base64-encoded in the JSON.</summary>
    [JsonPropertyName("B")] public byte[]? B { get; set; }
    [JsonPropertyName("BOOL")] public bool? Bool { get; set; }
    [JsonPropertyName("NULL")] public bool? Null { get; set; }
    [JsonPropertyName("SS")] public List<string>? SS { get; set; }
    [JsonPropertyName("NS")] public List<string>? NS { get; set; }
    [JsonPropertyName("L")] public List<StreamAttributeValue>? L { get; set; }
    [JsonPropertyName("M")] public Dictionary<string, StreamAttributeValue>? M { get; set; }
}
