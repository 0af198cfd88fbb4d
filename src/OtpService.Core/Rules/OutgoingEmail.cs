namespace OtpService.Core.Rules;

/// <summary>One mail to send: addresses (ASCII, RFC 5321), subject, and the same text as HTML and plain text.</summary>
public sealed record OutgoingEmail(string From, string To, string Subject, string HtmlBody, string TextBody);
