namespace OtpService.Core.Rules;

/// <summary>Sends one email. Throws <see cref="EmailSendException"/> with the <see cref="DeliveryFailureClass"/> of the failure.</summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
