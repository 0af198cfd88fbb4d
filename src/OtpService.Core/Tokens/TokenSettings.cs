using System.Globalization;

namespace OtpService.Core.Tokens;

/// <summary>
/// The token's configurable claims (README "Configuration"), read once per container:
/// <c>OTP_TOKEN_ISSUER</c> (iss; unset: the API's own base URL, from the request), <c>OTP_TOKEN_AUDIENCE</c>
/// (aud; unset: the issuer) and <c>OTP_TOKEN_LIFETIME_SECONDS</c> (exp - iat; default 300, 30..3600).
/// </summary>
public sealed record TokenSettings
{
    public const string IssuerVariable = "OTP_TOKEN_ISSUER";
    public const string AudienceVariable = "OTP_TOKEN_AUDIENCE";
    public const string LifetimeVariable = "OTP_TOKEN_LIFETIME_SECONDS";

    /// <summary>The <c>iss</c> value; null: derived per request from the API's domain name and stage.</summary>
    public string? Issuer { get; init; }

    /// <summary>The <c>aud</c> value; null: the issuer.</summary>
    public string? Audience { get; init; }

    /// <summary>Seconds from <c>iat</c> to <c>exp</c>.</summary>
    public int LifetimeSeconds { get; init; } = 300;

    /// <exception cref="InvalidOperationException">A value is out of range; the message names the variable.</exception>
    public static TokenSettings FromVariables(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new TokenSettings
        {
            Issuer = Url(read, IssuerVariable),
            Audience = Text(read, AudienceVariable),
            LifetimeSeconds = Text(read, LifetimeVariable) is { } text
                ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 30 and <= 3600
                    ? seconds
                    : throw new InvalidOperationException($"{LifetimeVariable} must be a whole number from 30 to 3600; it is '{text}'.")
                : 300,
        };
    }

    private static string? Text(Func<string, string?> read, string name) =>
        read(name)?.Trim() is { Length: > 0 } value ? value : null;

    /// <summary>An issuer is compared as a string by relying parties (RFC 7519 section 4.1.1): one form, no trailing slash.</summary>
    private static string? Url(Func<string, string?> read, string name)
    {
        if (Text(read, name) is not { } value)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? value.TrimEnd('/')
            : throw new InvalidOperationException($"{name} must be an absolute http(s) URL with no query, e.g. https://auth.example.com; it is '{value}'.");
    }
}
