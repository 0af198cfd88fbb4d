using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

public sealed class StreamRecordData
{
    [JsonPropertyName("ApproximateCreationDateTime")] public double? ApproximateCreationDateTime { get; set; }
    [JsonPropertyName("Keys")] public Dictionary<string, StreamAttributeValue>? Keys { get; set; }
    [JsonPropertyName("NewImage")] public Dictionary<string, StreamAttributeValue>? NewImage { get; set; }
    [JsonPropertyName("OldImage")] public Dictionary<string, StreamAttributeValue>? OldImage { get; set; }
    [JsonPropertyName("SequenceNumber")] public string? SequenceNumber { get; set; }
    [JsonPropertyName("SizeBytes")] public long? SizeBytes { get; set; }
    [JsonPropertyName("StreamViewType")] public string? StreamViewType { get; set; }
}
