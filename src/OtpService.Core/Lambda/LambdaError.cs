using System.Buffers;
using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// An error report in Lambda's error shape, <c>{"errorMessage":..,"errorType":..,"stackTrace":[..]}</c>
/// (the Runtime API's "ErrorRequest"; https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html),
/// plus the <c>Lambda-Runtime-Function-Error-Type</c> header value ("Category.Reason", as AWS recommends).
/// </summary>
/// <param name="HeaderType">The <c>Lambda-Runtime-Function-Error-Type</c> header, e.g. <c>Runtime.InitError</c>.</param>
/// <param name="ErrorType">The exception's type name, e.g. <c>NullReferenceException</c>.</param>
/// <param name="ErrorMessage">What happened, in words.</param>
/// <param name="StackTrace">One frame a line ("at Type.Method(...)"), inner exceptions after a "caused by" line; empty when there is none.</param>
public sealed record LambdaError(string HeaderType, string ErrorType, string ErrorMessage, IReadOnlyList<string> StackTrace)
{
    /// <summary>Init failed: configuration (our own messages name variables, never values), a key that could not be read, or a bug.</summary>
    public static LambdaError FromInit(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(
            exception is UnknownHandlerException ? "Runtime.NoSuchHandler" : "Runtime.InitError",
            exception.GetType().Name,
            exception.Message,
            StackOf(exception));
    }

    /// <summary>
    /// SnapStart: a before-snapshot step or the wait for the restore failed (reported to <c>/init/error</c>),
    /// or an after-restore step failed (reported to <c>/restore/error</c>). The types are the ones
    /// Amazon.Lambda.RuntimeSupport sends (Bootstrap/Constants.cs).
    /// </summary>
    public static LambdaError FromSnapStart(Exception exception, bool afterRestore)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(
            afterRestore ? "Runtime.AfterRestoreError" : "Runtime.BeforeSnapshotError",
            exception.GetType().Name,
            exception.Message,
            StackOf(exception));
    }

    /// <summary>
    /// The handler threw. The message is not sent: an exception escaping a handler is a bug, and its
    /// message may quote the event (an address, a code); the type and the frames name only our code.
    /// </summary>
    public static LambdaError FromInvocation(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.GetType().Name;
        return new("Function.Unhandled", type, $"The function failed with {type}; the stack trace is in this error and in the function's log.", StackOf(exception));
    }

    /// <summary>The handler's answer is larger than Lambda passes on (see <see cref="RuntimeApiClient.MaxResponseBytes"/>).</summary>
    public static LambdaError ResponseTooLarge(long bytes) => new(
        "Function.ResponseSizeTooLarge",
        "ResponseSizeTooLarge",
        $"The response is {(bytes > RuntimeApiClient.MaxResponseBytes ? $"more than {RuntimeApiClient.MaxResponseBytes}" : bytes.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes; Lambda passes on at most {RuntimeApiClient.MaxResponseBytes}.",
        []);

    /// <summary>The stack of <paramref name="exception"/> and of its inner exceptions, one frame a line, without any exception's message.</summary>
    public static IReadOnlyList<string> StackOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var lines = new List<string>();
        for (var (current, depth) = (exception, 0); current is not null && depth < 8; (current, depth) = (current.InnerException, depth + 1))
        {
            if (depth > 0)
            {
                lines.Add($"caused by {current.GetType().FullName}");
            }

            // File and line where the package carries its .pdb (the managed build); method names
            // only under Native AOT (StackTraceSupport on, symbols stripped).
            foreach (var frame in (current.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                lines.Add(frame);
            }
        }

        return lines;
    }

    /// <summary>The JSON body, written without reflection (the Native AOT build needs no metadata for it).</summary>
    public byte[] ToJsonUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", ErrorMessage);
            json.WriteString("errorType", ErrorType);
            json.WriteStartArray("stackTrace");
            foreach (var frame in StackTrace)
            {
                json.WriteStringValue(frame);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
