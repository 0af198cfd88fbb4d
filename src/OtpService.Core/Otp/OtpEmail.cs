using System.Globalization;
using System.Net;
using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>The mail text, in the seed's words with the lifetime and app name from configuration.</summary>
public static class OtpEmail
{
    public static OutgoingEmail Compose(string from, string to, string code, OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var lifetime = Lifetime(settings.TtlSeconds);
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
    public static string Lifetime(int seconds) => seconds switch
    {
        60 => "1 min",
        _ when seconds % 60 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} mins"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds} seconds"),
    };
}
