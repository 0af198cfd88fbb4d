namespace OtpService.Core.Aws;

/// <summary>
/// Where the calls of our own HTTP clients (SES v2, Secrets Manager) go, resolved from
/// <see cref="AwsSettings"/> the way the AWS SDKs do it: the service-specific <c>AWS_ENDPOINT_URL_*</c>
/// variable, then <c>AWS_ENDPOINT_URL</c>, else the public regional endpoint.
/// </summary>
public static class AwsEndpoints
{
    /// <exception cref="InvalidOperationException">A configured endpoint is no absolute http(s) URL, or no region is set; the message names the variable.</exception>
    public static Uri SesV2(AwsSettings aws) =>
        Resolve(aws, aws?.SesV2Endpoint, AwsSettings.SesV2EndpointVariable, "email");

    /// <inheritdoc cref="SesV2"/>
    public static Uri SecretsManager(AwsSettings aws) =>
        Resolve(aws, aws?.SecretsManagerEndpoint, AwsSettings.SecretsManagerEndpointVariable, "secretsmanager");

    private static Uri Resolve(AwsSettings? aws, string? serviceEndpoint, string serviceVariable, string publicHostPrefix)
    {
        ArgumentNullException.ThrowIfNull(aws);
        if (!aws.IgnoreConfiguredEndpoints)
        {
            foreach (var (variable, configured) in new[] { (serviceVariable, serviceEndpoint), (AwsSettings.GlobalEndpointVariable, aws.GlobalEndpoint) })
            {
                if (configured is not null)
                {
                    return Uri.TryCreate(configured, UriKind.Absolute, out var uri)
                        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                        ? uri
                        : throw new InvalidOperationException($"{variable} must be an absolute http(s) URL, not '{configured}'.");
                }
            }
        }

        return new Uri($"https://{publicHostPrefix}.{aws.RequireRegion()}.amazonaws.com");
    }
}
