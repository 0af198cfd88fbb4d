namespace OtpService.Core.Rules;

/// <summary>
/// A dependency failed: which one (<see cref="Service"/>), what it means (<see cref="Kind"/>: try
/// again later, the deployment is wrong, or this mail can never be delivered) and the service's
/// error type. The one exception every adapter throws for a failed call; the edges (API handler,
/// stream handler, init) catch it once and answer by its kind.
/// </summary>
/// <remarks>
/// <see cref="Exception.Message"/> names the operation, the HTTP status and the error type only:
/// never a key, an item, a mail, the signing input or the service's own message text (it may quote
/// the request).
/// </remarks>
public sealed class DependencyException : Exception
{
    /// <param name="service">The service that failed.</param>
    /// <param name="kind">What the failure means for the caller.</param>
    /// <param name="errorType">The service's error code without namespace (e.g. <c>ResourceNotFoundException</c>), or a name for a
    /// failure with no answer (<c>Timeout</c>, <c>ConnectionFailure</c>, <c>NoCredentials</c>) or a bad one (<c>InvalidSecretValue</c>).</param>
    /// <param name="message">Names the operation, status and error type; nothing the request held.</param>
    /// <param name="inner">The adapter's own failure, if any.</param>
    /// <param name="httpStatus">The HTTP status, when the service answered.</param>
    public DependencyException(Dependency service, FailureKind kind, string errorType, string message, Exception? inner = null, int? httpStatus = null)
        : base(message, inner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(errorType);
        Service = service;
        Kind = kind;
        ErrorType = errorType;
        HttpStatus = httpStatus;
    }

    /// <summary>The service that failed.</summary>
    public Dependency Service { get; }

    /// <summary>What the failure means: <see cref="FailureKind.Transient"/>, <see cref="FailureKind.Configuration"/> or (mail only) <see cref="FailureKind.Undeliverable"/>.</summary>
    public FailureKind Kind { get; }

    /// <summary>The service's error code, or the name of a failure with no answer; logged as <c>errorType</c>.</summary>
    public string ErrorType { get; }

    /// <summary>The HTTP status of the service's answer; null when none came back.</summary>
    public int? HttpStatus { get; }

    /// <summary>True when trying again later can help (<see cref="FailureKind.Transient"/>).</summary>
    public bool IsTransient => Kind == FailureKind.Transient;
}
