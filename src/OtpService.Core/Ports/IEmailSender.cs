namespace OtpService.Core.Ports;

public sealed record OutgoingEmail(string From, string To, string Subject, string HtmlBody, string TextBody);

/// <summary>Sends one email. Throws <see cref="EmailSendException"/> saying whether a retry can help.</summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}

public sealed class EmailSendException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True for throttling, 5xx and timeouts; false when the provider rejected the mail itself.</summary>
    public bool Retryable { get; } = retryable;
}
