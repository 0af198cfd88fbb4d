using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>The event Lambda receives from a DynamoDB Streams event source mapping.</summary>
public sealed class DynamoDbStreamEvent
{
    [JsonPropertyName("Records")] public List<DynamoDbStreamRecord>? Records { get; set; }
}
