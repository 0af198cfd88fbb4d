namespace OtpService.Core.Rules;

/// <summary>The mail: the words of the reader's locale (<see cref="MailTexts"/>) laid out by the deployment's templates (<see cref="OtpSettings.MailTemplates"/>).</summary>
public static class OtpEmail
{
    /// <param name="from">The From address.</param>
    /// <param name="to">The recipient.</param>
    /// <param name="code">The code, as digits.</param>
    /// <param name="lifetimeSeconds">How long the code is valid: its expiry minus its creation, as stored.</param>
    /// <param name="settings">The app name, the sender's display name and the templates.</param>
    /// <param name="locale">The BCP 47 tag stored with the code, or null for <see cref="OtpSettings.DefaultLocale"/> (a code stored before languages were); <see cref="MailTexts.For"/> falls back.</param>
    /// <param name="requestedAt">When the code was made (the template variable <c>requested_at</c>); null leaves it empty.</param>
    public static OutgoingEmail Compose(string from, string to, string code, long lifetimeSeconds, OtpSettings settings, string? locale = null, DateTimeOffset? requestedAt = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var words = MailTexts.For(locale ?? settings.DefaultLocale, settings.AppName, lifetimeSeconds);
        var mail = settings.MailTemplates.Render(words, new MailValues(code, to, settings.AppName, requestedAt));
        return new OutgoingEmail(from, to, mail.Subject, mail.Html, mail.Text) { FromName = settings.SenderName };
    }

    /// <summary>"2 mins" for the seed's 120 s; whole minutes where they fit, seconds otherwise.</summary>
    public static string Lifetime(long seconds) => MailTexts.EnglishLifetime(seconds);
}
