using System.Text.Json;

namespace OtpService.Local.Api;

/// <summary>
/// API Gateway's own answers (before or instead of a function) as the template customises them:
/// the entry for the response type, else DEFAULT_4XX or DEFAULT_5XX by status (API Gateway's
/// fallback), else API Gateway's untouched <c>{"message": ...}</c> without headers. Body templates
/// of gateway responses are not VTL, only variable substitution ("x-amazon-apigateway-gateway-
/// responses.responseTemplates object"): <c>$context.error.message</c>, its JSON-quoted form
/// <c>$context.error.messageString</c> and <c>$context.error.responseType</c> are filled in; a
/// header value that is not a quoted literal (a request mapping) is not reproduced.
/// </summary>
internal sealed class GatewayResponses(IReadOnlyDictionary<string, GatewayResponse> byType)
{
    /// <summary>A route or method that does not exist (403, API Gateway's "Missing Authentication Token").</summary>
    public const string MissingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN";

    /// <summary>A body over the payload quota (413).</summary>
    public const string RequestTooLarge = "REQUEST_TOO_LARGE";

    /// <summary>No answer from the integration within API Gateway's integration timeout (504).</summary>
    public const string IntegrationTimeout = "INTEGRATION_TIMEOUT";

    /// <summary>The fallback for a 4XX with no type of its own (a URL over the quota: no documented type).</summary>
    public const string Default4xx = "DEFAULT_4XX";

    /// <summary>The fallback for a 5XX with no type of its own (a failed function: no documented type).</summary>
    public const string Default5xx = "DEFAULT_5XX";

    /// <summary>API Gateway without customisation: <c>{"message": ...}</c> and no extra header.</summary>
    public static readonly GatewayResponses Untouched = new(new Dictionary<string, GatewayResponse>());

    /// <summary>The types the template customises.</summary>
    public IEnumerable<string> Types => byType.Keys;

    /// <summary>The answer for a response of <paramref name="type"/> whose default status is <paramref name="statusCode"/> and whose error message is <paramref name="message"/>.</summary>
    public GatewayAnswer Answer(string type, int statusCode, string message)
    {
        var response = byType.GetValueOrDefault(type) ?? byType.GetValueOrDefault(statusCode >= 500 ? Default5xx : Default4xx);
        var quoted = JsonSerializer.Serialize(message, Core.Lambda.LambdaJsonContext.Default.String);
        if (response is null)
        {
            return new GatewayAnswer(statusCode, new Dictionary<string, string>(), $"{{\"message\":{quoted}}}");
        }

        var body = (response.JsonTemplate ?? $"{{\"message\":{quoted}}}")
            .Replace("$context.error.messageString", quoted, StringComparison.Ordinal)
            .Replace("$context.error.message", message, StringComparison.Ordinal)
            .Replace("$context.error.responseType", type, StringComparison.Ordinal);
        return new GatewayAnswer(response.StatusCode ?? statusCode, response.Headers, body);
    }
}
