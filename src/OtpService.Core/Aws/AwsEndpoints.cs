namespace OtpService.Core.Aws;

/// <summary>
/// Where AWS calls go, resolved from the environment the way the AWS SDKs do it:
/// the service-specific <c>AWS_ENDPOINT_URL_*</c> variable, then <c>AWS_ENDPOINT_URL</c>,
/// else the public regional endpoint. Takes the environment as a function so tests need
/// not touch the process environment.
/// </summary>
public static class AwsEndpoints
{
    public const string RegionVariable = "AWS_REGION";
    public const string DefaultRegionVariable = "AWS_DEFAULT_REGION";
    public const string GlobalEndpointVariable = "AWS_ENDPOINT_URL";
    public const string SesV2EndpointVariable = "AWS_ENDPOINT_URL_SESV2";
    public const string SecretsManagerEndpointVariable = "AWS_ENDPOINT_URL_SECRETS_MANAGER";

    /// <summary>The SDKs' switch for ignoring every AWS_ENDPOINT_URL* variable.</summary>
    public const string IgnoreConfiguredEndpointsVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    /// <summary>The region to call and to sign for: AWS_REGION (set by Lambda), then AWS_DEFAULT_REGION.</summary>
    public static string Region(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Value(environment, RegionVariable)
            ?? Value(environment, DefaultRegionVariable)
            ?? throw new InvalidOperationException(
                $"No AWS region configured: set {RegionVariable} (Lambda sets it) or {DefaultRegionVariable}.");
    }

    public static Uri SesV2(Func<string, string?> environment) =>
        Resolve(environment, SesV2EndpointVariable, "email");

    public static Uri SecretsManager(Func<string, string?> environment) =>
        Resolve(environment, SecretsManagerEndpointVariable, "secretsmanager");

    private static Uri Resolve(Func<string, string?> environment, string serviceVariable, string publicHostPrefix)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var ignoreConfigured = string.Equals(
            Value(environment, IgnoreConfiguredEndpointsVariable), "true", StringComparison.OrdinalIgnoreCase);
        if (!ignoreConfigured)
        {
            foreach (var variable in new[] { serviceVariable, GlobalEndpointVariable })
            {
                if (Value(environment, variable) is { } configured)
                {
                    return Uri.TryCreate(configured, UriKind.Absolute, out var uri)
                        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                        ? uri
                        : throw new InvalidOperationException($"{variable} must be an absolute http(s) URL, not '{configured}'.");
                }
            }
        }

        return new Uri($"https://{publicHostPrefix}.{Region(environment)}.amazonaws.com");
    }

    /// <summary>An unset and an empty variable mean the same, as in the SDKs.</summary>
    private static string? Value(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value ? value.Trim() : null;
}
