namespace OtpService.Core.Rules;

/// <summary>
/// The provider did not accept a mail. <see cref="Exception.Message"/> names the provider's error
/// type and HTTP status, never the mail's content or the provider's own message text.
/// </summary>
public sealed class EmailSendException(string message, DeliveryFailureClass failureClass, string? errorType = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>What the failure means for the mail: retry it, drop it, or raise the alarm.</summary>
    public DeliveryFailureClass FailureClass { get; } = failureClass;

    /// <summary>The provider's error code (e.g. <c>MessageRejected</c>), or a name for a failure with none (<c>Timeout</c>).</summary>
    public string? ErrorType { get; } = errorType;
}
