namespace OtpService.Core.Rules;

/// <summary>One template's text, as the Lambda layer read it at init.</summary>
/// <param name="Scope">A BCP 47 tag (RFC 5646) such as "ja" or "pt-BR", or <see cref="MailTemplates.DefaultScope"/> for every locale without its own.</param>
/// <param name="Part">Which part of the mail it makes.</param>
/// <param name="Name">Where it came from, for errors: the file's path, e.g. "mail-templates/ja/html.liquid".</param>
/// <param name="Text">The Liquid template.</param>
public sealed record MailTemplateSource(string Scope, MailPart Part, string Name, string Text);
