namespace OtpService.Core.Ports;

/// <summary>The provider did not accept a mail; the message names the provider's error type, never the mail's content.</summary>
public sealed class EmailSendException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True for throttling, 5xx and timeouts; false when the provider rejected the mail itself.</summary>
    public bool Retryable { get; } = retryable;
}
