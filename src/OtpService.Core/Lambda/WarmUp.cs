using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// What a function does before a SnapStart snapshot so that the snapshot holds the paths a request
/// takes already loaded, initialized and compiled (AWS: "preload ... with dummy invocations",
/// https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html): handler calls with
/// events that end before any write (a 400, an ignored record, the JWKS), and one read of the
/// table for a key no address can have. Runs only under SnapStart, at publish time, never on a
/// cold start without it.
/// </summary>
public static class WarmUp
{
    /// <summary>
    /// The table key the warm-up reads: not an address (no '@'), so no request can ever have stored
    /// anything under it, and reading it changes nothing.
    /// </summary>
    public const string ReservedAddress = "snapstart-warm-up";

    /// <summary>
    /// Calls <paramref name="handler"/> with <paramref name="eventJson"/> and drops the answer. The
    /// function's log and metrics lines are built and then dropped (<see cref="InvocationLog.Silence"/>):
    /// a warm-up is not a request. A handler that throws fails the snapshot (our handlers answer every event).
    /// </summary>
    public static async Task InvokeAsync(Func<Stream, Task<Stream>> handler, string eventJson)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(eventJson);
        using var silence = InvocationLog.Silence();
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(eventJson), writable: false);
        var output = await handler(input).ConfigureAwait(false);
        await output.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a read whose only purpose is to warm the AWS SDK's path (endpoint, signing, credentials,
    /// marshalling, connection). Best effort: if it fails the snapshot is still taken, and one WARN
    /// line on <paramref name="log"/> says why (the first request after a restore then pays that start-up).
    /// </summary>
    /// <param name="read">The read.</param>
    /// <param name="log">Where the WARN line goes.</param>
    /// <param name="clock">The time the line carries (the function's clock).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task ReadAsync(Func<CancellationToken, Task> read, TextWriter log, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(clock);
        try
        {
            await read(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort by design: a warm-up must not stop a version from being published.
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("time", clock.GetUtcNow());
                json.WriteString("level", "WARN");
                json.WriteString("event", "warm_up_read_failed");
                json.WriteString("errorType", e.GetType().Name);
                json.WriteEndObject();
            }

            await log.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A REST API (payload 1.0) proxy event for <paramref name="method"/> <paramref name="path"/>
    /// with a JSON <paramref name="body"/>, shaped like API Gateway's (resource, path, method, headers, requestContext).
    /// </summary>
    public static string ApiEvent(string method, string path, string? body = null)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("resource", path);
            json.WriteString("path", path);
            json.WriteString("httpMethod", method);
            json.WriteStartObject("headers");
            json.WriteString("Content-Type", "application/json");
            json.WriteString("Host", "warm-up.execute-api.invalid");
            json.WriteEndObject();
            json.WriteStartObject("requestContext");
            json.WriteString("requestId", "snapstart-warm-up");
            json.WriteString("resourcePath", path);
            json.WriteString("httpMethod", method);
            json.WriteString("stage", "warm-up");
            json.WriteString("domainName", "warm-up.execute-api.invalid");
            json.WriteStartObject("identity");
            json.WriteString("sourceIp", "192.0.2.1");
            json.WriteEndObject();
            json.WriteEndObject();
            if (body is null)
            {
                json.WriteNull("body");
            }
            else
            {
                json.WriteString("body", body);
            }

            json.WriteBoolean("isBase64Encoded", false);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
