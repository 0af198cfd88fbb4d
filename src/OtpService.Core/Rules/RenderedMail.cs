namespace OtpService.Core.Rules;

/// <summary>A mail as the templates wrote it.</summary>
/// <param name="Subject">One line.</param>
/// <param name="Html">The text/html part.</param>
/// <param name="Text">The text/plain part.</param>
public sealed record RenderedMail(string Subject, string Html, string Text);
