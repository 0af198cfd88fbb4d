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
