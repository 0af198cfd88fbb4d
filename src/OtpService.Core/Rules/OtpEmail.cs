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
    public static OutgoingEmail Compose(string from, string to, string code, long lifetimeSeconds, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var lifetime = Lifetime(lifetimeSeconds);
        var appName = settings.AppName;
        var html = string.Create(CultureInfo.InvariantCulture, $"""
            <p>Use this code to verify your login at {WebUtility.HtmlEncode(appName)}<br>
            <br>
            <strong style="font-size:1.5em;letter-spacing:0.1em">{code}</strong></p>
            <p>The code is valid for {lifetime}. If you did not ask for it, ignore this mail.</p>
            """);
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            Use this code to verify your login at {appName}

            {code}

            The code is valid for {lifetime}. If you did not ask for it, ignore this mail.
            """);
        return new OutgoingEmail(from, to, $"Your OTP (valid for only {lifetime})!", html, text);
    }

    /// <summary>"2 mins" for the seed's 120 s; whole minutes where they fit, seconds otherwise.</summary>
    public static string Lifetime(long seconds) => seconds switch
    {
        60 => "1 min",
        _ when seconds % 60 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} mins"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds} seconds"),
    };
}
