using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;

namespace OtpService.Local.Streams;

/// <summary>
/// Builds DynamoDB Streams records as Lambda's event source mapping delivers them: eventID,
/// eventName (INSERT, MODIFY, REMOVE), eventVersion 1.1, eventSource aws:dynamodb, awsRegion,
/// eventSourceARN, and dynamodb { ApproximateCreationDateTime, Keys, NewImage and/or OldImage as
/// the stream view type includes them, SequenceNumber, SizeBytes, StreamViewType }. Sequence
/// numbers grow monotonically, as within a shard.
/// Source: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html
/// </summary>
/// <param name="region">The records' awsRegion.</param>
/// <param name="tableName">The table in the stream's ARN.</param>
/// <param name="keyAttributes">The table's key attributes (the records' Keys).</param>
/// <param name="clock">The runner's clock (the stream ARN's label, ApproximateCreationDateTime).</param>
/// <param name="streamViewType">Which images a record carries.</param>
internal sealed class StreamRecordFactory(string region, string tableName, IReadOnlyList<string> keyAttributes, TimeProvider clock, string streamViewType = "NEW_IMAGE")
{
    private readonly string streamArn =
        $"arn:aws:dynamodb:{region}:123456789012:table/{tableName}/stream/{clock.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fff}";

    private long sequence = 100_000_000_000_000_000L;

    public string StreamArn => streamArn;

    public string StreamViewType => streamViewType;

    /// <summary>An INSERT of <paramref name="item"/> (a new key).</summary>
    public DynamoDbStreamRecord Insert(IReadOnlyDictionary<string, AttributeValue> item) => Change(null, item)!;

    /// <summary>
    /// The record for one write, from the item before and after it (null: absent): INSERT, MODIFY
    /// or REMOVE; null when the write changed nothing (DynamoDB Streams writes no record then).
    /// </summary>
    public DynamoDbStreamRecord? Change(IReadOnlyDictionary<string, AttributeValue>? before, IReadOnlyDictionary<string, AttributeValue>? after)
    {
        var oldImage = before is { Count: > 0 } ? Image(before) : null;
        var newImage = after is { Count: > 0 } ? Image(after) : null;
        var eventName = (oldImage, newImage) switch
        {
            (null, null) => null,
            (null, _) => "INSERT",
            (_, null) => "REMOVE",
            _ => Same(oldImage, newImage) ? null : "MODIFY",
        };
        if (eventName is null)
        {
            return null;
        }

        var source = newImage ?? oldImage!;
        var keys = keyAttributes.Where(source.ContainsKey).ToDictionary(k => k, k => source[k], StringComparer.Ordinal);
        var withNew = streamViewType is "NEW_IMAGE" or "NEW_AND_OLD_IMAGES" ? newImage : null;
        var withOld = streamViewType is "OLD_IMAGE" or "NEW_AND_OLD_IMAGES" ? oldImage : null;
        var seq = Interlocked.Increment(ref sequence);
        return new DynamoDbStreamRecord
        {
            EventId = Guid.NewGuid().ToString("N"),
            EventName = eventName,
            EventVersion = "1.1",
            EventSource = "aws:dynamodb",
            AwsRegion = region,
            EventSourceArn = streamArn,
            Dynamodb = new StreamRecordData
            {
                ApproximateCreationDateTime = clock.GetUtcNow().ToUnixTimeSeconds(),
                Keys = keys,
                NewImage = withNew,
                OldImage = withOld,
                SequenceNumber = seq.ToString("D21", CultureInfo.InvariantCulture),
                SizeBytes = Size(keys) + (withNew is null ? 0 : Size(withNew)) + (withOld is null ? 0 : Size(withOld)),
                StreamViewType = streamViewType,
            },
        };
    }

    private static Dictionary<string, StreamAttributeValue> Image(IReadOnlyDictionary<string, AttributeValue> item) =>
        item.ToDictionary(kv => kv.Key, kv => Convert(kv.Value), StringComparer.Ordinal);

    private static bool Same(Dictionary<string, StreamAttributeValue> a, Dictionary<string, StreamAttributeValue> b) =>
        JsonSerializer.Serialize(Sorted(a), SortedImageContext.Default.SortedDictionaryStringStreamAttributeValue)
        == JsonSerializer.Serialize(Sorted(b), SortedImageContext.Default.SortedDictionaryStringStreamAttributeValue);

    private static SortedDictionary<string, StreamAttributeValue> Sorted(Dictionary<string, StreamAttributeValue> image) =>
        new(image.ToDictionary(kv => kv.Key, kv => kv.Value.M is { } m ? new StreamAttributeValue { M = new Dictionary<string, StreamAttributeValue>(Sorted(m), StringComparer.Ordinal) } : kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);

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
