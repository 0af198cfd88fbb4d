using System.Globalization;
using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// A DynamoDB Streams event read leniently, for SendOtpEmail: the envelope (<c>{"Records":[...]}</c>)
/// once, then each record on its own (<see cref="StreamRecordFields"/>), and of each record only the
/// fields it needs, so one record of a wrong shape (null, a number, an attribute of another type)
/// spoils that record and never the batch. The typed <see cref="DynamoDbStreamEvent"/> stays the
/// shape we write (the local runner's events); this is the shape we accept.
/// </summary>
public static class StreamEventRecords
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>The event's document and its <c>Records</c> array, or null with the reason when the envelope cannot be read.</summary>
    /// <param name="input">The event as Lambda sends it.</param>
    /// <param name="problem">Why the envelope is unreadable: not JSON, not an object, no <c>Records</c> array.</param>
    /// <param name="cancellationToken">Cancels reading the input.</param>
    public static async Task<(JsonDocument? Document, string? Problem)> ReadAsync(Stream input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(input, Options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            // The position only: the bytes may hold an address.
            return (null, $"the event is not JSON (line {e.LineNumber}, byte {e.BytePositionInLine})");
        }

        var root = document.RootElement;
        var problem = root.ValueKind != JsonValueKind.Object ? $"the event is {Kind(root)}, not an object"
            : !root.TryGetProperty("Records", out var records) ? "the event has no Records"
            : records.ValueKind != JsonValueKind.Array ? $"Records is {Kind(records)}, not an array"
            : null;
        if (problem is null)
        {
            return (document, null);
        }

        document.Dispose();
        return (null, problem);
    }

    /// <summary>The records of a document <see cref="ReadAsync"/> accepted, each with its position.</summary>
    public static IEnumerable<StreamRecordFields> Records(JsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var index = 0;
        foreach (var element in document.RootElement.GetProperty("Records").EnumerateArray())
        {
            yield return new StreamRecordFields(index++, element);
        }
    }

    /// <summary>"null", "a number", "a string", "an array"...: how a log line names a value of the wrong kind.</summary>
    public static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        _ => "missing",
    };
}

/// <summary>
/// One record of a stream event, read field by field (the shape is AWS's:
/// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html). Every
/// getter returns null, or says "no", when its field is missing or of another JSON type; none throws.
/// </summary>
/// <param name="Index">The record's position in the batch (0-based), for log lines.</param>
/// <param name="Element">The record as it came.</param>
public sealed record StreamRecordFields(int Index, JsonElement Element)
{
    /// <summary>False for a record that is null, a number, a string or an array.</summary>
    public bool IsObject => Element.ValueKind == JsonValueKind.Object;

    /// <summary>
    /// The record's identity, <c>dynamodb.SequenceNumber</c>: what <c>batchItemFailures</c> names.
    /// Null when it cannot be read (then the record cannot be named to Lambda).
    /// </summary>
    public string? SequenceNumber => Dynamodb is { } data && String(data, "SequenceNumber") is { Length: > 0 } sequence ? sequence : null;

    /// <summary><c>eventID</c>, for log lines.</summary>
    public string? EventId => IsObject ? String(Element, "eventID") : null;

    /// <summary><c>eventName</c> (INSERT, MODIFY, REMOVE); null when missing or not a string.</summary>
    public string? EventName => IsObject ? String(Element, "eventName") : null;

    /// <summary>The <c>dynamodb</c> object; null when missing or not an object.</summary>
    public JsonElement? Dynamodb => IsObject && Element.TryGetProperty("dynamodb", out var data) && data.ValueKind == JsonValueKind.Object ? data : null;

    /// <summary>
    /// Whether <c>dynamodb.NewImage</c> holds attribute <paramref name="name"/>: true or false when
    /// NewImage is an object, null when it is missing or not an object (nothing can be told from it).
    /// </summary>
    public bool? NewImageHas(string name) =>
        Dynamodb is { } data && data.TryGetProperty("NewImage", out var image) && image.ValueKind == JsonValueKind.Object
            ? image.TryGetProperty(name, out _)
            : null;

    /// <summary>The string of key attribute <paramref name="name"/> (<c>dynamodb.Keys.name.S</c>), or null with what is wrong with it.</summary>
    public string? KeyString(string name, out string? problem)
    {
        var value = KeyValue(name, "S", out problem);
        if (value is { ValueKind: JsonValueKind.String } text && text.GetString() is { Length: > 0 } s)
        {
            return s;
        }

        problem ??= $"dynamodb.Keys.{name}.S is {(value is { } v ? v.ValueKind == JsonValueKind.String ? "empty" : StreamEventRecords.Kind(v) : "missing")}";
        return null;
    }

    /// <summary>The whole number of key attribute <paramref name="name"/> (<c>dynamodb.Keys.name.N</c>, a string of digits), or null with what is wrong with it.</summary>
    public long? KeyNumber(string name, out string? problem)
    {
        var value = KeyValue(name, "N", out problem);
        if (value is { ValueKind: JsonValueKind.String } text
            && long.TryParse(text.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        problem ??= $"dynamodb.Keys.{name}.N is {(value is { } v ? v.ValueKind == JsonValueKind.String ? "not a whole number" : StreamEventRecords.Kind(v) : "missing")}";
        return null;
    }

    private JsonElement? KeyValue(string name, string type, out string? problem)
    {
        problem = null;
        if (!IsObject)
        {
            problem = $"the record is {StreamEventRecords.Kind(Element)}";
            return null;
        }

        if (Dynamodb is not { } data)
        {
            problem = "dynamodb is missing or not an object";
            return null;
        }

        if (!data.TryGetProperty("Keys", out var keys) || keys.ValueKind != JsonValueKind.Object)
        {
            problem = "dynamodb.Keys is missing or not an object";
            return null;
        }

        if (!keys.TryGetProperty(name, out var attribute) || attribute.ValueKind != JsonValueKind.Object)
        {
            problem = $"dynamodb.Keys.{name} is missing or not an attribute value";
            return null;
        }

        return attribute.TryGetProperty(type, out var value) ? value : null;
    }

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
