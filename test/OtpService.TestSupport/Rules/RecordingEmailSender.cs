using System.Collections.Concurrent;
using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>Keeps sent mail in memory and can fail on demand (faults SES's emulator cannot produce).</summary>
public sealed class RecordingEmailSender : IEmailSender
{
    public ConcurrentQueue<OutgoingEmail> Sent { get; } = new();

    /// <summary>The next sends throw this, until it is set back to null.</summary>
    public DependencyException? FailWith { get; set; }

    /// <summary>The code in the last mail sent to <paramref name="to"/> (the 6 to 10 digits the text body carries).</summary>
    public string LastCode(string to)
    {
        var mail = Sent.Last(m => m.To == to);
        return System.Text.RegularExpressions.Regex.Match(mail.TextBody, @"(?<!\d)\d{6,10}(?!\d)").Value;
    }

    /// <summary>How long each send takes (real time, honouring cancellation), to use up an invocation's budget.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Runs as each send starts (a test advancing its fake clock while a mail is on its way, say).</summary>
    public Action<OutgoingEmail>? OnSend { get; set; }

    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        OnSend?.Invoke(email);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        if (FailWith is { } failure)
        {
            throw failure;
        }

        Sent.Enqueue(email);
    }
}
