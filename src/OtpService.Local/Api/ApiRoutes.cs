namespace OtpService.Local.Api;

/// <summary>The REST API's routes: GET and POST on /otp/generate and /otp/verify; GET /.well-known/jwks.json (VerifyOtp).</summary>
internal static class ApiRoutes
{
    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new("GET", "/otp/generate", Lambda.LambdaFunctions.GenerateOtp),
        new("POST", "/otp/generate", Lambda.LambdaFunctions.GenerateOtp),
        new("GET", "/otp/verify", Lambda.LambdaFunctions.VerifyOtp),
        new("POST", "/otp/verify", Lambda.LambdaFunctions.VerifyOtp),
        new("GET", Core.Lambda.Routes.JwksPath, Lambda.LambdaFunctions.VerifyOtp),
    ];

    /// <summary>True when <paramref name="path"/> is one of the API's resources (whatever the method).</summary>
    public static bool IsResource(string path)
    {
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        return All.Any(r => string.Equals(r.Resource, trimmed, StringComparison.Ordinal));
    }

    /// <summary>The route for a request, or null (API Gateway then answers 403 "Missing Authentication Token").</summary>
    public static ApiRoute? Match(string method, string path)
    {
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        foreach (var route in All)
        {
            if (string.Equals(route.Method, method, StringComparison.OrdinalIgnoreCase)
                && string.Equals(route.Resource, trimmed, StringComparison.Ordinal))
            {
                return route;
            }
        }

        return null;
    }
}
