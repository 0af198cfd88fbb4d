using Microsoft.AspNetCore.Http;

namespace OtpService.Local.Site;

/// <summary>
/// Answers a CORS preflight (OPTIONS) on the API's routes as template.yaml's Cors settings make
/// API Gateway answer it (a mock integration: 200, the Access-Control-Allow-* headers, body {}),
/// so the sign-in page's POST with a JSON body can cross origins.
/// </summary>
internal static class PreflightStandIn
{
    private static readonly string[] Resources = ["/otp/generate", "/otp/verify"];

    public static async Task<bool> TryAnswerAsync(HttpContext context, string? allowedOrigin)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path.Value?.TrimEnd('/') ?? "";
        if (!HttpMethods.IsOptions(context.Request.Method) || allowedOrigin is null || !Resources.Contains(path, StringComparer.Ordinal))
        {
            return false;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.AccessControlAllowOrigin = allowedOrigin;
        response.Headers.AccessControlAllowMethods = "GET,POST,OPTIONS";
        response.Headers.AccessControlAllowHeaders = "Content-Type";
        response.Headers.AccessControlMaxAge = "600";
        response.ContentType = "application/json";
        response.ContentLength = 2;
        await response.Body.WriteAsync("{}"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
        return true;
    }
}
