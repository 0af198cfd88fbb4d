namespace OtpService.Core.Rules;

/// <summary>The three parts of a mail a template can give; each is a file <c>subject.liquid</c>, <c>html.liquid</c>, <c>text.liquid</c> (docs/mail.md).</summary>
public enum MailPart
{
    /// <summary>The Subject header: one line (line breaks become spaces).</summary>
    Subject,

    /// <summary>The text/html part: every <c>{{ value }}</c> is HTML-escaped.</summary>
    Html,

    /// <summary>The text/plain part: values as they are.</summary>
    Text,
}
