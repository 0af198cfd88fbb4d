using System.Net;

namespace OtpService.Core.Aws;

/// <summary>
/// An AWS call that did not succeed, with whether trying again later can help.
/// The message names the operation, HTTP status, AWS error type and request id; never the request body.
/// </summary>
public sealed class AwsCallException : Exception
{
    public AwsCallException(string message, bool retryable, HttpStatusCode? statusCode = null, string? errorType = null, Exception? inner = null)
        : base(message, inner)
    {
        Retryable = retryable;
        StatusCode = statusCode;
        ErrorType = errorType;
    }

    /// <summary>True for throttling, 5xx, timeouts and connection failures.</summary>
    public bool Retryable { get; }

    /// <summary>The HTTP status, when the service answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>AWS's error code without namespace or URL, e.g. <c>MessageRejected</c>, when the service gave one.</summary>
    public string? ErrorType { get; }
}
