namespace OtpService.Local.Template;

/// <summary>
/// SAM's CORS settings with the header values unquoted: <see cref="AllowOrigin"/> null when the
/// template gives none (its condition is false), <see cref="MaxAge"/> in seconds as text.
/// </summary>
internal sealed record CorsSettings(string? AllowOrigin, string AllowMethods, string AllowHeaders, string? MaxAge);
