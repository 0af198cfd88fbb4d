using Amazon;
using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one place every AWS client is made (DynamoDB and KMS through the AWSSDK, Secrets Manager and
/// SES v2 through our SigV4 client, for which no AWSSDK package is served): one region rule, one
/// endpoint rule, and each call bounded by the invocation's budget.
/// </summary>
/// <remarks>
/// <para>Region: <c>AWS_REGION</c> (Lambda sets it), then <c>AWS_DEFAULT_REGION</c>; neither is an error naming both.</para>
/// <para>
/// Endpoint: the AWS SDKs' documented precedence for service-specific endpoints
/// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html): unless
/// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> is <c>true</c>, <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> (the
/// service id upper-cased, spaces as underscores: <c>DYNAMODB</c>, <c>KMS</c>, <c>SESV2</c>,
/// <c>SECRETS_MANAGER</c>), then <c>AWS_ENDPOINT_URL</c>, else the public regional endpoint. AWSSDK.Core 4.1
/// implements the same precedence, but reads the process environment only; the functions read theirs once
/// into <see cref="AwsSettings"/> (a test's or the local runner's variables too), so the rule is applied here, for all four clients.
/// </para>
/// <para>
/// Call bounds (AWSSDK clients): every attempt waits at most the budget's attempt timeout (connect
/// included), the SDK's standard retry mode makes at most the budget's retries, and nothing else sends
/// the request again, so a call makes exactly 1 + retries attempts; <see cref="InvocationBudget"/>'s call
/// limits rest on that count. AWSSDK.Core 4.1's <c>RetryHandler</c> also resends a request, without backoff
/// and without counting it against <c>MaxErrorRetry</c>, up to <c>ClientConfig.MaxStaleConnectionRetries</c>
/// (default 10) times, whenever the failure's exception chain holds a "stale pooled connection": a
/// <c>SocketException</c> ConnectionReset/Shutdown/ConnectionAborted or an <c>HttpIOException</c> "The response
/// ended prematurely" (<c>RetryPolicy.IsStaleConnectionError</c>). An attempt that ends on our own
/// <c>ClientConfig.Timeout</c> sometimes carries the second one: HttpClient's timeout disposes the connection
/// under the pending read, which then sees the end of the stream. So a hanging KMS or DynamoDB got 3 and more
/// attempts, 0.25 s apart, where 2 were planned (seen in KmsFailureTests under load, and made to happen at will
/// by an endpoint that closes every connection unanswered). With the setting at 0 such a failure is an ordinary
/// retryable I/O error, counted and backed off like any other; SocketsHttpHandler itself still resends a request
/// whose reused pooled connection was found closed before anything was sent.
/// </para>
/// </remarks>
public static class AwsClientFactory
{
    /// <summary>The variable of each service's own endpoint (its SDK service id, upper-cased, spaces as underscores).</summary>
    public static string EndpointVariable(Dependency service) => service switch
    {
        Dependency.DynamoDB => AwsSettings.DynamoDbEndpointVariable,
        Dependency.DynamoDBStreams => AwsSettings.DynamoDbStreamsEndpointVariable,
        Dependency.KMS => AwsSettings.KmsEndpointVariable,
        Dependency.SES => AwsSettings.SesV2EndpointVariable,
        Dependency.SecretsManager => AwsSettings.SecretsManagerEndpointVariable,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };

    /// <summary>The region to call and to sign for: AWS_REGION (set by Lambda), then AWS_DEFAULT_REGION.</summary>
    /// <exception cref="InvalidOperationException">Neither is set.</exception>
    public static string Region(AwsSettings aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        return aws.RequireRegion();
    }

    /// <summary>The endpoint configured for <paramref name="service"/> (an emulator, a VPC endpoint), or null for the public one.</summary>
    /// <exception cref="InvalidOperationException">The variable is set but is no absolute http(s) URL; the message names it.</exception>
    public static Uri? ConfiguredEndpoint(AwsSettings aws, Dependency service)
    {
        ArgumentNullException.ThrowIfNull(aws);
        if (aws.IgnoreConfiguredEndpoints)
        {
            return null;
        }

        var own = service switch
        {
            Dependency.DynamoDB => aws.DynamoDbEndpoint,
            Dependency.DynamoDBStreams => aws.DynamoDbStreamsEndpoint,
            Dependency.KMS => aws.KmsEndpoint,
            Dependency.SES => aws.SesV2Endpoint,
            Dependency.SecretsManager => aws.SecretsManagerEndpoint,
            _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
        };
        foreach (var (variable, configured) in new[] { (EndpointVariable(service), own), (AwsSettings.GlobalEndpointVariable, aws.GlobalEndpoint) })
        {
            if (configured is { Length: > 0 })
            {
                return Uri.TryCreate(configured, UriKind.Absolute, out var uri)
                    && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    ? uri
                    : throw new InvalidOperationException($"{variable} must be an absolute http(s) URL, not '{configured}'.");
            }
        }

        return null;
    }

    /// <summary>Where calls to <paramref name="service"/> go: the configured endpoint, else the public regional one.</summary>
    public static Uri Endpoint(AwsSettings aws, Dependency service) =>
        ConfiguredEndpoint(aws, service) ?? new Uri($"https://{PublicHostPrefix(service)}.{Region(aws)}.amazonaws.com");

    /// <summary>
    /// The DynamoDB client: each attempt waits at most <see cref="InvocationBudget.DynamoDbAttemptTimeout"/>,
    /// with <see cref="InvocationBudget.DynamoDbMaxErrorRetry"/> retry and no other resend, so one call ends within
    /// <see cref="InvocationBudget.DynamoDbCallLimit"/>; the invocation's deadline token cancels the rest.
    /// </summary>
    /// <param name="aws">The AWS settings read once at init.</param>
    /// <param name="budget">The function's budget.</param>
    public static AmazonDynamoDBClient DynamoDb(AwsSettings aws, InvocationBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return new AmazonDynamoDBClient(Configure(new AmazonDynamoDBConfig(), aws, Dependency.DynamoDB, budget.DynamoDbAttemptTimeout, InvocationBudget.DynamoDbMaxErrorRetry));
    }

    /// <summary>
    /// The KMS client: each attempt waits at most <see cref="InvocationBudget.KmsAttemptTimeout"/>, with
    /// <see cref="InvocationBudget.KmsMaxErrorRetry"/> retry and no other resend, so one Sign ends within
    /// <see cref="InvocationBudget.KmsCallLimit"/>, inside the invocation's budget.
    /// </summary>
    /// <param name="aws">The AWS settings read once at init.</param>
    /// <param name="budget">The function's budget.</param>
    public static AmazonKeyManagementServiceClient Kms(AwsSettings aws, InvocationBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return new AmazonKeyManagementServiceClient(Configure(new AmazonKeyManagementServiceConfig(), aws, Dependency.KMS, budget.KmsAttemptTimeout, InvocationBudget.KmsMaxErrorRetry));
    }

    /// <summary>The signed client for <paramref name="service"/> (Secrets Manager, SES v2): its endpoint and region by the rules above, default credentials.</summary>
    /// <param name="aws">The AWS settings read once at init.</param>
    /// <param name="service">The service called.</param>
    /// <param name="signingService">The name SigV4 signs for (SES v2 signs as <c>ses</c>).</param>
    /// <param name="clock">Source of the signing time (the function's clock).</param>
    /// <param name="callTimeout">Deadline of one call; null: <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    public static (Uri Endpoint, SignedAwsHttpClient Client) SigV4(AwsSettings aws, Dependency service, string signingService, TimeProvider clock, TimeSpan? callTimeout) =>
        (Endpoint(aws, service), new SignedAwsHttpClient(service, new AwsRequestSigner(signingService, Region(aws)), clock, timeout: callTimeout));

    /// <summary>The call bounds, the renewable connection pools, the region and the endpoint, for any AWSSDK client's config.</summary>
    /// <param name="config">The client's configuration.</param>
    /// <param name="aws">The AWS settings read once at init.</param>
    /// <param name="service">The service the client calls.</param>
    /// <param name="attemptTimeout">One attempt's limit (<c>ClientConfig.Timeout</c> and <c>ConnectTimeout</c>).</param>
    /// <param name="maxErrorRetry">Retries after the first attempt.</param>
    public static T Configure<T>(T config, AwsSettings aws, Dependency service, TimeSpan attemptTimeout, int maxErrorRetry)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(aws);
        config.Timeout = attemptTimeout;
        config.ConnectTimeout = attemptTimeout;
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = maxErrorRetry;
        config.MaxStaleConnectionRetries = 0;
        // Pools the runtime drops after a SnapStart restore (AwsConnections).
        config.HttpClientFactory = AwsConnections.SdkHttpClients;
        var region = Region(aws);
        if (ConfiguredEndpoint(aws, service) is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }

    private static string PublicHostPrefix(Dependency service) => service switch
    {
        Dependency.DynamoDB => "dynamodb",
        Dependency.DynamoDBStreams => "streams.dynamodb",
        Dependency.KMS => "kms",
        Dependency.SES => "email",
        Dependency.SecretsManager => "secretsmanager",
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };
}
