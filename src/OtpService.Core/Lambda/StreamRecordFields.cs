using System.Globalization;
using System.Text.Json;

namespace OtpService.Core.Lambda;

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
