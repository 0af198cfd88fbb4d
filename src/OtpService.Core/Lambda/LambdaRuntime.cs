using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>
/// The runtime's life, as the Runtime API defines it: build the function once (init), under
/// SnapStart let Lambda snapshot it and finish in each restored copy, then forever take the next
/// event, run the handler, post its answer or its error. A failed init (or SnapStart step) is
/// reported and ends the process, as Lambda expects. The same loop runs the managed executables
/// (dotnet10) and the Native AOT bootstrap (provided.al2023).
/// </summary>
public static class LambdaRuntime
{
    /// <summary>Where the AWS SDKs read the X-Ray trace header of the current invocation.</summary>
    public const string TraceVariable = "_X_AMZN_TRACE_ID";

    /// <summary>Lambda's init type; <see cref="SnapStartInitialization"/> when SnapStart snapshots this init.</summary>
    public const string InitializationTypeVariable = "AWS_LAMBDA_INITIALIZATION_TYPE";

    /// <summary>The value of <see cref="InitializationTypeVariable"/> under SnapStart.</summary>
    public const string SnapStartInitialization = "snap-start";

    /// <param name="client">The Runtime API.</param>
    /// <param name="init">Builds the handler (the function's constructor runs here) and registers SnapStart steps.</param>
    /// <param name="log">Where the runtime's own lines go (one JSON object a line; stderr, so CloudWatch, in Lambda).</param>
    /// <param name="snapStart">True when Lambda snapshots this init (<see cref="InitializationTypeVariable"/> is <see cref="SnapStartInitialization"/>).</param>
    /// <param name="clock">The time the runtime's own lines carry (<see cref="LambdaHost"/> chooses it).</param>
    /// <param name="cancellationToken">Stops the loop: its host is ending (Lambda itself just freezes or ends the process).</param>
    /// <returns>The process exit code: 0 when stopped, 1 after an error reported to <c>/init/error</c> or <c>/restore/error</c>.</returns>
    public static async Task<int> RunAsync(
        RuntimeApiClient client,
        Func<SnapshotHooks, Func<Stream, Task<Stream>>> init,
        TextWriter log,
        bool snapStart,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(clock);
        var lines = new RuntimeLog(log, clock);

        var hooks = new SnapshotHooks();
        Func<Stream, Task<Stream>> handler;
        try
        {
            handler = init(hooks);
        }
#pragma warning disable CA1031 // Whatever failed, Lambda must hear about it through /init/error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = LambdaError.FromInit(e);
            lines.Write("init_error", null, error);
            await client.PostInitErrorAsync(error, cancellationToken).ConfigureAwait(false);
            return 1;
        }

        if (snapStart && !await SnapshotAndRestoreAsync(client, hooks, lines, cancellationToken).ConfigureAwait(false))
        {
            return 1;
        }

        try
        {
            while (true)
            {
                var invocation = await client.NextAsync(cancellationToken).ConfigureAwait(false);
                // X-Ray: the SDKs read the trace header of the current invocation from here.
                Environment.SetEnvironmentVariable(TraceVariable, invocation.TraceId);
                await InvokeAsync(client, handler, invocation, lines, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped on purpose.
        }

        return 0;
    }

    /// <summary>
    /// What RuntimeSupport does under SnapStart (Helpers/SnapstartHelperInitializeWithSnapstartIsolatedAsync.cs):
    /// the before-snapshot hooks, then <c>GET /runtime/restore/next</c>, which returns in the restored
    /// copy; a failure up to there is a <c>Runtime.BeforeSnapshotError</c> on <c>/init/error</c>. Then
    /// the after-restore hooks; a failure there is a <c>Runtime.AfterRestoreError</c> on <c>/restore/error</c>.
    /// </summary>
    private static async Task<bool> SnapshotAndRestoreAsync(RuntimeApiClient client, SnapshotHooks hooks, RuntimeLog log, CancellationToken cancellationToken) =>
        await ReportedAsync(
            async () =>
            {
                await hooks.RunBeforeSnapshotAsync(cancellationToken).ConfigureAwait(false);
                await client.RestoreNextAsync(cancellationToken).ConfigureAwait(false);
            },
            afterRestore: false, client.PostInitErrorAsync, log, cancellationToken).ConfigureAwait(false)
        && await ReportedAsync(
            () => hooks.RunAfterRestoreAsync(cancellationToken),
            afterRestore: true, client.PostRestoreErrorAsync, log, cancellationToken).ConfigureAwait(false);

    /// <summary>Runs one SnapStart step; a failure is logged and posted to Lambda (<paramref name="post"/>), and the step answers false.</summary>
    private static async Task<bool> ReportedAsync(
        Func<Task> step,
        bool afterRestore,
        Func<LambdaError, CancellationToken, Task<HttpStatusCode>> post,
        RuntimeLog log,
        CancellationToken cancellationToken)
    {
        try
        {
            await step().ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Reported to Lambda, which then publishes no snapshot (before) or ends this copy (after restore).
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            var error = LambdaError.FromSnapStart(e, afterRestore);
            log.Write(afterRestore ? "after_restore_error" : "before_snapshot_error", null, error);
            await post(error, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private static async Task InvokeAsync(
        RuntimeApiClient client,
        Func<Stream, Task<Stream>> handler,
        Invocation invocation,
        RuntimeLog log,
        CancellationToken cancellationToken)
    {
        byte[] answer;
        int length;
        try
        {
            using var input = new MemoryStream(invocation.Payload, writable: false);
            // Lambda-Runtime-Deadline-Ms: the handlers end their budget before it (Core/Rules).
            using (RuntimeDeadline.Set(invocation.Deadline))
            {
                var output = await handler(input).ConfigureAwait(false);
                await using (output.ConfigureAwait(false))
                {
                    (answer, length) = await ReadBoundedAsync(output, RuntimeApiClient.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // The handler's failure is the invocation's error, not the runtime's.
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            await ReportAsync(client, invocation, LambdaError.FromInvocation(e), "invocation_error", log, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            if (length > RuntimeApiClient.MaxResponseBytes)
            {
                // Lambda would refuse it (413) and the caller would get Function.ResponseSizeTooLarge;
                // say so ourselves, in the log too, rather than send 6 MB to be refused.
                await ReportAsync(client, invocation, LambdaError.ResponseTooLarge(length), "response_too_large", log, cancellationToken).ConfigureAwait(false);
                return;
            }

            var status = await client.PostResponseAsync(invocation.RequestId, answer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            if (status != HttpStatusCode.Accepted)
            {
                // Refused (413 too large, 400, 403): the invocation has failed in Lambda; log it and take the next event.
                log.Write("response_refused", invocation.RequestId, new LambdaError(
                    "Runtime.ResponseRefused", "ResponseRefused", $"The Runtime API refused the response with {(int)status}.", []));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer);
        }
    }

    private static async Task ReportAsync(RuntimeApiClient client, Invocation invocation, LambdaError error, string eventName, RuntimeLog log, CancellationToken cancellationToken)
    {
        log.Write(eventName, invocation.RequestId, error);
        var status = await client.PostErrorAsync(invocation.RequestId, error, cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.Accepted)
        {
            log.Write("error_refused", invocation.RequestId, new LambdaError(
                "Runtime.ErrorRefused", "ErrorRefused", $"The Runtime API refused the error report with {(int)status}.", []));
        }
    }

    /// <summary>
    /// Reads <paramref name="output"/> into a pooled buffer, at most <paramref name="limit"/> + 1 bytes:
    /// a length above the limit means "too large" without holding all of it. The caller returns the buffer.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(Stream output, int limit, CancellationToken cancellationToken)
    {
        var size = output.CanSeek ? (int)Math.Min(Math.Max(output.Length - output.Position, 0), limit + 1L) : 16 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        var length = 0;
        try
        {
            while (length <= limit)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await output.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Where the runtime's own lines go, and the clock their time comes from.</summary>
    private sealed class RuntimeLog(TextWriter log, TimeProvider clock)
    {
        /// <summary>One JSON line: time, level, event, request id, error type, message and stack frames (never the event or the answer).</summary>
        public void Write(string eventName, string? requestId, LambdaError error)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("time", clock.GetUtcNow());
                json.WriteString("level", "ERROR");
                json.WriteString("event", eventName);
                if (requestId is not null)
                {
                    json.WriteString("requestId", requestId);
                }

                json.WriteString("errorType", error.ErrorType);
                json.WriteString("errorMessage", error.ErrorMessage);
                if (error.StackTrace.Count > 0)
                {
                    json.WriteStartArray("stackTrace");
                    foreach (var frame in error.StackTrace)
                    {
                        json.WriteStringValue(frame);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            log.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
            log.Flush();
        }
    }
}
