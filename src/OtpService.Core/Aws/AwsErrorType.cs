using System.Net;
using System.Text.Json;

namespace OtpService.Core.Aws;

/// <summary>Reads AWS's error code from an error answer and says whether it is worth retrying.</summary>
public static class AwsErrorType
{
    private static readonly HashSet<string> ThrottlingErrors = new(StringComparer.Ordinal)
    {
        "TooManyRequestsException", "ThrottlingException", "Throttling", "LimitExceededException",
        "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
    };

    /// <summary>True for HTTP 429, any 5xx, and the throttling error codes; false for every other 4xx.</summary>
    public static bool IsRetryable(HttpStatusCode status, string? errorType) =>
        status == HttpStatusCode.TooManyRequests
        || (int)status >= 500
        || (errorType is not null && ThrottlingErrors.Contains(errorType));

    /// <summary>
    /// The error code as the SDKs find it: the <c>x-amzn-ErrorType</c> header (REST-JSON), else the body's
    /// <c>__type</c> (JSON 1.1) or <c>code</c>; with any <c>namespace#</c> prefix and <c>:url</c> suffix removed.
    /// </summary>
    public static string? From(HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(response);
        var raw = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        raw ??= FromBody(body);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var name = raw.Split(':', 2)[0];
        return name[(name.LastIndexOf('#') + 1)..].Trim();
    }

    private static string? FromBody(ReadOnlySpan<byte> body)
    {
        try
        {
            var error = JsonSerializer.Deserialize(body, AwsJsonContext.Default.AwsErrorBody);
            return error?.Type ?? error?.Code;
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, an emulator's XML): the status alone must do.
            return null;
        }
    }
}
