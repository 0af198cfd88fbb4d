using System.Net;

namespace OtpService.Core.Aws;

/// <summary>
/// An AWS call that did not succeed, with whether trying again later can help.
/// The message names the operation, HTTP status, AWS error type and request id; never the request body.
/// </summary>
public sealed class AwsCallException : Exception
{
    public AwsCallException(
        string message,
        bool retryable,
        HttpStatusCode? statusCode = null,
        string? errorType = null,
        Exception? inner = null,
        string? serviceMessage = null)
        : base(message, inner)
    {
        Retryable = retryable;
        StatusCode = statusCode;
        ErrorType = errorType;
        ServiceMessage = serviceMessage;
    }

    /// <summary>True for throttling, 5xx, timeouts and connection failures.</summary>
    public bool Retryable { get; }

    /// <summary>The HTTP status, when the service answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>
    /// AWS's error code without namespace or URL, e.g. <c>MessageRejected</c>, when the service gave
    /// one; <see cref="AwsErrorType.Timeout"/>, <see cref="AwsErrorType.ConnectionFailure"/> or
    /// <see cref="AwsErrorType.NoCredentials"/> when no answer came back.
    /// </summary>
    public string? ErrorType { get; }

    /// <summary>
    /// The service's own error message. It can quote the request (an address), so it is not part of
    /// <see cref="Exception.Message"/>: read it to classify the error, never log or return it.
    /// </summary>
    public string? ServiceMessage { get; }
}
