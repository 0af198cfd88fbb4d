using System.Globalization;
using System.Net;

namespace OtpService.Core.Rules;

/// <summary>The mail text, in the seed's words with the code's lifetime and the app name from configuration.</summary>
public static class OtpEmail
{
    /// <param name="from">The From address.</param>
    /// <param name="to">The recipient.</param>
    /// <param name="code">The code, as digits.</param>
    /// <param name="lifetimeSeconds">How long the code is valid: its expiry minus its creation, as stored.</param>
    /// <param name="settings">The app name.</param>
    /// <param name="locale">The BCP 47 tag stored with the code, or null for <see cref="OtpSettings.DefaultLocale"/> (a code stored before languages were); <see cref="MailTexts.For"/> falls back.</param>
    public static OutgoingEmail Compose(string from, string to, string code, long lifetimeSeconds, OtpSettings settings, string? locale = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var words = MailTexts.For(locale ?? settings.DefaultLocale, settings.AppName, lifetimeSeconds);
        var html = string.Create(CultureInfo.InvariantCulture, $"""
            <p>{WebUtility.HtmlEncode(words.Intro)}<br>
            <br>
            <strong style="font-size:1.5em;letter-spacing:0.1em">{code}</strong></p>
            <p>{WebUtility.HtmlEncode(words.Validity)}</p>
            """);
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            {words.Intro}

            {code}

            {words.Validity}
            """);
        return new OutgoingEmail(from, to, words.Subject, html, text);
    }

    /// <summary>"2 mins" for the seed's 120 s; whole minutes where they fit, seconds otherwise.</summary>
    public static string Lifetime(long seconds) => MailTexts.EnglishLifetime(seconds);
}
