using System.Globalization;

namespace OtpService.Core.Otp;

/// <summary>
/// Every tunable of the service, read once per container from environment variables
/// (names and defaults in DESIGN.md and README). Out-of-range values fail at cold start
/// with a message naming the variable, never later inside a request.
/// </summary>
public sealed record OtpSettings
{
    public string TableName { get; init; } = "otp_holder";
    public int TtlSeconds { get; init; } = 120;
    public int CodeLength { get; init; } = 6;
    public int MaxAttempts { get; init; } = 5;
    public int ResendCooldownSeconds { get; init; } = 30;
    public int MaxSendsPerHour { get; init; } = 5;
    public int MaxFailuresPerDay { get; init; } = 100;
    public string? SenderAddress { get; init; }
    public string AppName { get; init; } = "Simple Website";

    /// <summary>The one browser origin allowed to call the API (Access-Control-Allow-Origin); null: no CORS.</summary>
    public string? CorsAllowedOrigin { get; init; }

    /// <summary>
    /// The function's Lambda timeout in seconds (OTP_FUNCTION_TIMEOUT_SECONDS, fed by the same template
    /// parameter as its Timeout): each invocation answers within a budget below it, and a mailing
    /// claim lasts this long.
    /// </summary>
    public int FunctionTimeoutSeconds { get; init; } = 10;

    public const int SendWindowSeconds = 3600;
    public const int FailureWindowSeconds = 86_400;

    /// <summary>How far back the rules look: the longest rolling window plus one code lifetime.</summary>
    public int HistorySeconds => FailureWindowSeconds + TtlSeconds;

    public static OtpSettings FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    public static OtpSettings FromVariables(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var defaults = new OtpSettings();
        return new OtpSettings
        {
            TableName = Text(read, "OTP_TABLE_NAME") ?? defaults.TableName,
            TtlSeconds = Number(read, "OTP_TTL_SECONDS", defaults.TtlSeconds, 10, 86_400),
            CodeLength = Number(read, "OTP_LENGTH", defaults.CodeLength, 6, 10),
            MaxAttempts = Number(read, "OTP_MAX_ATTEMPTS", defaults.MaxAttempts, 1, 100),
            ResendCooldownSeconds = Number(read, "OTP_RESEND_COOLDOWN_SECONDS", defaults.ResendCooldownSeconds, 0, SendWindowSeconds),
            MaxSendsPerHour = Number(read, "OTP_MAX_SENDS_PER_HOUR", defaults.MaxSendsPerHour, 1, 1000),
            MaxFailuresPerDay = Number(read, "OTP_MAX_FAILURES_PER_DAY", defaults.MaxFailuresPerDay, 1, 100_000),
            SenderAddress = Text(read, "OTP_SENDER_ADDRESS"),
            AppName = Text(read, "OTP_APP_NAME") ?? defaults.AppName,
            CorsAllowedOrigin = Text(read, "OTP_CORS_ALLOWED_ORIGIN"),
            // Lambda's limit is 900 s; below 3 s nothing is left once the 1 s margin is taken.
            FunctionTimeoutSeconds = Number(read, "OTP_FUNCTION_TIMEOUT_SECONDS", defaults.FunctionTimeoutSeconds, 3, 900),
        };
    }

    private static string? Text(Func<string, string?> read, string name)
    {
        var value = read(name)?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static int Number(Func<string, string?> read, string name, int fallback, int min, int max)
    {
        var text = Text(read, name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidOperationException($"{name} must be a whole number from {min} to {max}; it is '{text}'.");
        }

        return value;
    }
}
