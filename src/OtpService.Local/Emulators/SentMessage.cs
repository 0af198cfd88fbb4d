namespace OtpService.Local.Emulators;

/// <summary>One sent mail as an emulator keeps it: recipients, sender, subject, and the text body (the HTML where only that is kept).</summary>
internal sealed record SentMessage(IReadOnlyList<string> To, string From, string Subject, string Body);
