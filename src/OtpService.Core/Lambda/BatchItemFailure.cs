using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

public sealed class BatchItemFailure
{
    /// <summary>For DynamoDB Streams: the record's <c>dynamodb.SequenceNumber</c>.</summary>
    [JsonPropertyName("itemIdentifier")] public string ItemIdentifier { get; set; } = "";
}
