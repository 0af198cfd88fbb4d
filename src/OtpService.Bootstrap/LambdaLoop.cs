using System.Buffers;
using System.Text;
using System.Text.Json;
using OtpService.Core.Deadlines;

namespace OtpService.Bootstrap;

/// <summary>
/// The custom runtime's life: build the function once (init), then forever take the next event,
/// run the handler, post its answer or its error. A failed init is reported to
/// <c>/init/error</c> and ends the process, as Lambda expects.
/// </summary>
internal static class LambdaLoop
{
    public const string TraceVariable = "_X_AMZN_TRACE_ID";

    /// <param name="client">The Runtime API.</param>
    /// <param name="init">Builds the handler (the function's constructor runs here).</param>
    /// <param name="log">Where the runtime's own lines go (stderr; CloudWatch in Lambda).</param>
    /// <param name="cancellationToken">Stops the loop (tests; Lambda just freezes or kills the process).</param>
    /// <param name="maxInvocations">Stop after this many events (tests); unlimited when null.</param>
    /// <returns>The process exit code: 0 when stopped, 1 after an init error.</returns>
    public static async Task<int> RunAsync(
        RuntimeApiClient client,
        Func<Func<Stream, Task<Stream>>> init,
        TextWriter log,
        CancellationToken cancellationToken,
        int? maxInvocations = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(log);

        Func<Stream, Task<Stream>> handler;
        try
        {
            handler = init();
        }
#pragma warning disable CA1031 // Whatever failed, Lambda must hear about it through /init/error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = LambdaError.FromInit(e);
            Log(log, "init_error", null, error);
            await client.PostInitErrorAsync(error, cancellationToken).ConfigureAwait(false);
            return 1;
        }

        try
        {
            for (var count = 0; maxInvocations is null || count < maxInvocations; count++)
            {
                var invocation = await client.NextAsync(cancellationToken).ConfigureAwait(false);
                // X-Ray: the SDKs read the trace header of the current invocation from here.
                Environment.SetEnvironmentVariable(TraceVariable, invocation.TraceId);
                await InvokeAsync(client, handler, invocation, log, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped on purpose.
        }

        return 0;
    }

    private static async Task InvokeAsync(
        RuntimeApiClient client,
        Func<Stream, Task<Stream>> handler,
        Invocation invocation,
        TextWriter log,
        CancellationToken cancellationToken)
    {
        Stream output;
        try
        {
            using var input = new MemoryStream(invocation.Payload, writable: false);
            // Lambda-Runtime-Deadline-Ms: the handlers end their budget before it (Core/Deadlines).
            using (RuntimeDeadline.Set(invocation.Deadline))
            {
                output = await handler(input).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The handler's failure is the invocation's error, not the runtime's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var error = LambdaError.FromInvocation(e);
            Log(log, "invocation_error", invocation.RequestId, error);
            await client.PostErrorAsync(invocation.RequestId, error, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using (output.ConfigureAwait(false))
        {
            await client.PostResponseAsync(invocation.RequestId, output, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Log(TextWriter log, string eventName, string? requestId, LambdaError error)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("level", "ERROR");
            json.WriteString("event", eventName);
            if (requestId is not null)
            {
                json.WriteString("requestId", requestId);
            }

            json.WriteString("errorType", error.ErrorType);
            json.WriteString("errorMessage", error.ErrorMessage);
            json.WriteEndObject();
        }

        log.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
