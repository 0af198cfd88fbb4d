namespace OtpService.Core.Ports;

/// <summary>Sends one email. Throws <see cref="EmailSendException"/> saying whether a retry can help.</summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
