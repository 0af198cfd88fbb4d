namespace OtpService.Local.Streams;

internal sealed class StreamDescriptionJson
{
    public List<ShardDescription>? Shards { get; set; }

    public string? LastEvaluatedShardId { get; set; }
}
