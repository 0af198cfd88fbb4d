using System.Text.Json.Serialization;

namespace OtpService.Local.Streams;

/// <summary>A shard: its id, its parent (read first), and whether it is closed (an ending sequence number).</summary>
internal sealed class ShardDescription
{
    public string ShardId { get; set; } = "";

    public string? ParentShardId { get; set; }

    public SequenceRange? SequenceNumberRange { get; set; }

    [JsonIgnore]
    public bool IsClosed => SequenceNumberRange?.EndingSequenceNumber is not null;
}
