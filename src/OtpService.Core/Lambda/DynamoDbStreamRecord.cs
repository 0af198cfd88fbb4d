using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

public sealed class DynamoDbStreamRecord
{
    [JsonPropertyName("eventID")] public string? EventId { get; set; }
    [JsonPropertyName("eventName")] public string? EventName { get; set; }
    [JsonPropertyName("eventVersion")] public string? EventVersion { get; set; }
    [JsonPropertyName("eventSource")] public string? EventSource { get; set; }
    [JsonPropertyName("awsRegion")] public string? AwsRegion { get; set; }
    [JsonPropertyName("eventSourceARN")] public string? EventSourceArn { get; set; }
    [JsonPropertyName("dynamodb")] public StreamRecordData? Dynamodb { get; set; }
}
