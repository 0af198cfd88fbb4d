namespace OtpService.Core.Rules;

/// <summary>One mail to send: addresses (ASCII, RFC 5321), subject, and the same text as HTML and plain text.</summary>
public sealed record OutgoingEmail(string From, string To, string Subject, string HtmlBody, string TextBody)
{
    /// <summary>The From mailbox's display name (RFC 5322 section 3.4), any script; null: the bare address. The sender encodes it for the wire.</summary>
    public string? FromName { get; init; }
}
