using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>The event Lambda receives from a DynamoDB Streams event source mapping.</summary>
public sealed class DynamoDbStreamEvent
{
    [JsonPropertyName("Records")] public List<DynamoDbStreamRecord>? Records { get; set; }
}

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

/// <summary>Partial batch response: the records Lambda should retry (ReportBatchItemFailures).</summary>
public sealed class StreamBatchResponse
{
    [JsonPropertyName("batchItemFailures")] public List<BatchItemFailure> BatchItemFailures { get; set; } = [];
}

public sealed class BatchItemFailure
{
    /// <summary>For DynamoDB Streams: the record's <c>dynamodb.SequenceNumber</c>.</summary>
    [JsonPropertyName("itemIdentifier")] public string ItemIdentifier { get; set; } = "";
}
