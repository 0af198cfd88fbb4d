using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Contracts;

namespace OtpService.Local.Streams;

/// <summary>
/// Builds DynamoDB Streams INSERT records (view type NEW_IMAGE) as Lambda's event source mapping
/// delivers them: eventID, eventName, eventVersion 1.1, eventSource aws:dynamodb, awsRegion,
/// eventSourceARN, and dynamodb { ApproximateCreationDateTime, Keys, NewImage, SequenceNumber,
/// SizeBytes, StreamViewType }. Sequence numbers grow monotonically, as within a shard.
/// </summary>
internal sealed class StreamRecordFactory(string region, string tableName, IReadOnlyList<string> keyAttributes, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly string streamArn =
        $"arn:aws:dynamodb:{region}:123456789012:table/{tableName}/stream/{(time ?? TimeProvider.System).GetUtcNow():yyyy-MM-ddTHH:mm:ss.fff}";

    private long sequence = 100_000_000_000_000_000L;

    public string StreamArn => streamArn;

    public DynamoDbStreamRecord Insert(IReadOnlyDictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var newImage = item.ToDictionary(kv => kv.Key, kv => Convert(kv.Value), StringComparer.Ordinal);
        var keys = keyAttributes.Where(newImage.ContainsKey).ToDictionary(k => k, k => newImage[k], StringComparer.Ordinal);
        var seq = Interlocked.Increment(ref sequence);
        return new DynamoDbStreamRecord
        {
            EventId = Guid.NewGuid().ToString("N"),
            EventName = "INSERT",
            EventVersion = "1.1",
            EventSource = "aws:dynamodb",
            AwsRegion = region,
            EventSourceArn = streamArn,
            Dynamodb = new StreamRecordData
            {
                ApproximateCreationDateTime = clock.GetUtcNow().ToUnixTimeSeconds(),
                Keys = keys,
                NewImage = newImage,
                SequenceNumber = seq.ToString("D21", CultureInfo.InvariantCulture),
                SizeBytes = Size(keys) + Size(newImage),
                StreamViewType = "NEW_IMAGE",
            },
        };
    }

    /// <summary>An SDK attribute value in the stream's JSON form.</summary>
    public static StreamAttributeValue Convert(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value switch
        {
            { S: { } s } => new StreamAttributeValue { S = s },
            { N: { } n } => new StreamAttributeValue { N = n },
            { B: { } b } => new StreamAttributeValue { B = b.ToArray() },
            { BOOL: { } flag } => new StreamAttributeValue { Bool = flag },
            { NULL: true } => new StreamAttributeValue { Null = true },
            { SS: { Count: > 0 } ss } => new StreamAttributeValue { SS = [.. ss] },
            { NS: { Count: > 0 } ns } => new StreamAttributeValue { NS = [.. ns] },
            { M: { } m } when value.IsMSet => new StreamAttributeValue { M = m.ToDictionary(kv => kv.Key, kv => Convert(kv.Value), StringComparer.Ordinal) },
            { L: { } l } when value.IsLSet => new StreamAttributeValue { L = l.Select(Convert).ToList() },
            _ => new StreamAttributeValue { Null = true },
        };
    }

    /// <summary>Roughly what DynamoDB counts: attribute names plus value bytes.</summary>
    private static long Size(Dictionary<string, StreamAttributeValue> image) =>
        image.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Size(kv.Value));

    private static long Size(StreamAttributeValue v) =>
        (v.S is null ? 0 : Encoding.UTF8.GetByteCount(v.S))
        + (v.N is null ? 0 : (v.N.Length / 2) + 1)
        + (v.B?.Length ?? 0)
        + (v.Bool is null && v.Null is null ? 0 : 1)
        + (v.SS?.Sum(Encoding.UTF8.GetByteCount) ?? 0)
        + (v.NS?.Sum(n => (n.Length / 2) + 1) ?? 0)
        + (v.M is null ? 0 : 3 + Size(v.M))
        + (v.L?.Sum(x => 1 + Size(x)) ?? 0);
}
