namespace OtpService.Core.Rules;

/// <summary>Sends one email. Throws <see cref="DependencyException"/> with the <see cref="FailureKind"/> of the failure.</summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
