namespace OtpService.Core.Tokens;

/// <summary>
/// The token's configurable claims (README "Configuration"), read once per container by the Lambda layer:
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
}
