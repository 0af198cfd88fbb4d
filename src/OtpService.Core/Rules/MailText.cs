namespace OtpService.Core.Rules;

/// <summary>
/// The words of one mail in one language, with the app name and the code's lifetime already in
/// them: what a template lays out (subject, the sentence before the code, the sentence after it).
/// </summary>
/// <param name="Locale">The BCP 47 tag the words are in (RFC 5646), e.g. "en", "pt-BR"; the HTML's <c>lang</c>.</param>
/// <param name="RightToLeft">True for scripts written right to left (Arabic, Hebrew): the HTML's <c>dir="rtl"</c>.</param>
/// <param name="Subject">The subject line, e.g. the seed's "Your OTP (valid for only 2 mins)!".</param>
/// <param name="Intro">The sentence before the code, e.g. "Use this code to verify your login at Acme".</param>
/// <param name="Validity">The sentence after the code, e.g. "The code is valid for 2 mins. If you did not ask for it, ignore this mail."</param>
/// <param name="Lifetime">The lifetime alone, as the language writes it, e.g. "2 mins".</param>
public sealed record MailText(string Locale, bool RightToLeft, string Subject, string Intro, string Validity, string Lifetime);
