namespace OtpService.Local.Streams;

/// <summary>The request fields of the four calls (only those set are sent).</summary>
internal sealed class StreamsRequest
{
    public string? TableName { get; set; }

    public string? StreamArn { get; set; }

    public string? ExclusiveStartShardId { get; set; }

    public string? ShardId { get; set; }

    public string? ShardIteratorType { get; set; }

    public string? SequenceNumber { get; set; }

    public string? ShardIterator { get; set; }

    public int? Limit { get; set; }
}
