using System.Buffers;
using System.Text.Json;

namespace OtpService.Bootstrap;

/// <summary>
/// An error report in Lambda's shape, <c>{"errorMessage":..,"errorType":..,"stackTrace":[]}</c>,
/// plus the <c>Lambda-Runtime-Function-Error-Type</c> header value ("Category.Reason" as AWS
/// recommends). The stack trace is always empty and an invocation error never carries the
/// exception's message: both can hold request data, and a caller of the function sees this body.
/// </summary>
internal sealed record LambdaError(string HeaderType, string ErrorType, string ErrorMessage)
{
    /// <summary>Construction failed: configuration (our own messages, which name variables, never values) or an unknown handler.</summary>
    public static LambdaError FromInit(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(
            exception is ArgumentException ? "Runtime.NoSuchHandler" : "Runtime.InitError",
            exception.GetType().Name,
            exception.Message);
    }

    /// <summary>The handler threw: the type only; the function's own log has the rest.</summary>
    public static LambdaError FromInvocation(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.GetType().Name;
        return new("Function.Unhandled", type, $"The function failed with {type}; see its log.");
    }

    public byte[] ToJsonUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", ErrorMessage);
            json.WriteString("errorType", ErrorType);
            json.WriteStartArray("stackTrace");
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
