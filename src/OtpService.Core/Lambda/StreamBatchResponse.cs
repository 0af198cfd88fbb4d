using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>Partial batch response: the records Lambda should retry (ReportBatchItemFailures).</summary>
public sealed class StreamBatchResponse
{
    [JsonPropertyName("batchItemFailures")] public List<BatchItemFailure> BatchItemFailures { get; set; } = [];
}
