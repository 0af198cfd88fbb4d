using System.Globalization;
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>An HTTP answer before it is shaped for API Gateway.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The answer's JSON body (and what the log line reports as its outcome).</param>
public sealed record ApiAnswer(int StatusCode, ApiAnswerBody Body)
{
    /// <summary>Which limit refused the request ("address", "client", "budget", "code"), for the log line only; null when none did.</summary>
    public string? Limit { get; init; }

    /// <summary>Why the rule answered so, for the log line only (<see cref="VerifyOutcome.Note"/>); null when nothing to add.</summary>
    public string? Note { get; init; }

    /// <summary>A JSON document sent instead of <see cref="Body"/> (the JWKS); <see cref="Body"/> still names the outcome in the log.</summary>
    public string? Document { get; init; }

    /// <summary>The Cache-Control header: no-store for every answer about codes; public documents may be cached.</summary>
    public string CacheControl { get; init; } = "no-store";

    public ApiGatewayResponse ToResponse(string? corsAllowedOrigin = null)
    {
        var headers = new Dictionary<string, string>
        {
            ["Content-Type"] = "application/json",
            ["Cache-Control"] = CacheControl,
            ["X-Content-Type-Options"] = "nosniff",
        };
        if (corsAllowedOrigin is not null)
        {
            headers["Access-Control-Allow-Origin"] = corsAllowedOrigin;
            // Scripts on another origin see only CORS-safelisted response headers unless told
            // (Fetch standard, "CORS-safelisted response-header name"); a page's countdown needs this one.
            headers["Access-Control-Expose-Headers"] = "Retry-After";
        }

        if (Body.RetryAfterSeconds is { } retryAfter)
        {
            headers["Retry-After"] = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        return new ApiGatewayResponse
        {
            StatusCode = StatusCode,
            Headers = headers,
            Body = Document ?? System.Text.Json.JsonSerializer.Serialize(Body, LambdaJsonContext.Default.ApiAnswerBody),
        };
    }
}
