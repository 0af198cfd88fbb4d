using System.Collections.Concurrent;
using OtpService.Core.Ports;

namespace OtpService.Tests.Support;

/// <summary>Keeps sent mail in memory and can fail on demand (faults SES's emulator cannot produce).</summary>
public sealed class RecordingEmailSender : IEmailSender
{
    public ConcurrentQueue<OutgoingEmail> Sent { get; } = new();

    /// <summary>The next sends throw this, until it is set back to null.</summary>
    public EmailSendException? FailWith { get; set; }

    public Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        Sent.Enqueue(email);
        return Task.CompletedTask;
    }
}
