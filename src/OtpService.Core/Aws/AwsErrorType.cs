using System.Net;
using System.Text.Json;

namespace OtpService.Core.Aws;

/// <summary>Reads AWS's error code from an error answer and says whether botocore's standard retry mode would retry it.</summary>
public static class AwsErrorType
{
    /// <summary>Client-side failure names used as <see cref="AwsCallException.ErrorType"/> when no answer came back.</summary>
    public const string Timeout = "Timeout";

    /// <inheritdoc cref="Timeout"/>
    public const string ConnectionFailure = "ConnectionFailure";

    /// <inheritdoc cref="Timeout"/>
    public const string NoCredentials = "NoCredentials";

    /// <summary>
    /// Codes botocore's standard retry mode retries: its throttling list and its transient list
    /// (botocore/retries/standard.py, _THROTTLED_ERROR_CODES and _TRANSIENT_ERROR_CODES, botocore 1.43).
    /// </summary>
    private static readonly HashSet<string> RetryableErrors = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
        "RequestTimeout", "RequestTimeoutException",
    };

    /// <summary>True for HTTP 429, any 5xx, and the retryable error codes; false for every other 4xx.</summary>
    public static bool IsRetryable(HttpStatusCode status, string? errorType) =>
        status == HttpStatusCode.TooManyRequests
        || (int)status >= 500
        || IsRetryableCode(errorType);

    /// <summary>True when botocore's standard mode retries <paramref name="errorType"/> whatever the status.</summary>
    public static bool IsRetryableCode(string? errorType) => errorType is not null && RetryableErrors.Contains(errorType);

    /// <summary>
    /// The error code as the SDKs find it: the <c>x-amzn-ErrorType</c> header (REST-JSON), else the body's
    /// <c>__type</c> (JSON 1.1) or <c>code</c>; with any <c>namespace#</c> prefix and <c>:url</c> suffix removed.
    /// </summary>
    public static string? From(HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(response);
        var raw = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        raw ??= Body(body)?.Type;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var name = raw.Split(':', 2)[0];
        return name[(name.LastIndexOf('#') + 1)..].Trim();
    }

    /// <summary>
    /// The service's own error message (<c>message</c> or <c>Message</c>), or null. It may quote the
    /// request (an address), so it is for classifying the error only: never log or return it.
    /// </summary>
    public static string? MessageFrom(ReadOnlySpan<byte> body) => Body(body)?.Message;

    private static (string? Type, string? Message)? Body(ReadOnlySpan<byte> body)
    {
        try
        {
            var error = JsonSerializer.Deserialize(body, AwsJsonContext.Default.AwsErrorBody);
            return error is null ? null : (error.Type ?? error.Code, error.Message);
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, an emulator's XML): the status alone must do.
            return null;
        }
    }
}
