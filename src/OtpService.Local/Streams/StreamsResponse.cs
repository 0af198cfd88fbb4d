using OtpService.Core.Lambda;

namespace OtpService.Local.Streams;

/// <summary>The answer fields of the four calls.</summary>
internal sealed class StreamsResponse
{
    public List<StreamSummary>? Streams { get; set; }

    public StreamDescriptionJson? StreamDescription { get; set; }

    public string? ShardIterator { get; set; }

    public List<DynamoDbStreamRecord>? Records { get; set; }

    public string? NextShardIterator { get; set; }
}
