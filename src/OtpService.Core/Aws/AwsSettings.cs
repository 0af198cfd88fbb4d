namespace OtpService.Core.Aws;

/// <summary>
/// The AWS variables the adapters use, read once at init by the Lambda layer (nothing below it reads
/// the environment). Values are trimmed; an unset and an empty variable are both null, as in the SDKs.
/// </summary>
/// <remarks>
/// The names and their meaning are the SDKs' own: the region from <c>AWS_REGION</c> (Lambda sets it), then
/// <c>AWS_DEFAULT_REGION</c>; service endpoints from <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>,
/// both ignored when <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> is true
/// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
/// </remarks>
public sealed record AwsSettings
{
    public const string RegionVariable = "AWS_REGION";
    public const string DefaultRegionVariable = "AWS_DEFAULT_REGION";
    public const string GlobalEndpointVariable = "AWS_ENDPOINT_URL";
    public const string DynamoDbEndpointVariable = "AWS_ENDPOINT_URL_DYNAMODB";
    public const string DynamoDbStreamsEndpointVariable = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS";

    public const string KmsEndpointVariable = "AWS_ENDPOINT_URL_KMS";
    public const string SesV2EndpointVariable = "AWS_ENDPOINT_URL_SESV2";
    public const string SecretsManagerEndpointVariable = "AWS_ENDPOINT_URL_SECRETS_MANAGER";

    /// <summary>The SES configuration set every mail is sent with (the template's MailConfigurationSet).</summary>
    public const string SesConfigurationSetVariable = "OTP_SES_CONFIGURATION_SET";

    /// <summary>The SDKs' switch for ignoring every AWS_ENDPOINT_URL* variable.</summary>
    public const string IgnoreConfiguredEndpointsVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    /// <summary>AWS_REGION, else AWS_DEFAULT_REGION; null when neither is set.</summary>
    public string? Region { get; init; }

    /// <summary>AWS_ENDPOINT_URL: every service's endpoint unless its own variable is set (emulators).</summary>
    public string? GlobalEndpoint { get; init; }

    /// <summary>AWS_ENDPOINT_URL_DYNAMODB.</summary>
    public string? DynamoDbEndpoint { get; init; }

    /// <summary>AWS_ENDPOINT_URL_KMS.</summary>
    /// <summary>AWS_ENDPOINT_URL_DYNAMODB_STREAMS (the local runner's stream reader), or null.</summary>
    public string? DynamoDbStreamsEndpoint { get; init; }

    public string? KmsEndpoint { get; init; }

    /// <summary>AWS_ENDPOINT_URL_SESV2.</summary>
    public string? SesV2Endpoint { get; init; }

    /// <summary>AWS_ENDPOINT_URL_SECRETS_MANAGER.</summary>
    public string? SecretsManagerEndpoint { get; init; }

    /// <summary>
    /// OTP_SES_CONFIGURATION_SET: the configuration set named in every SendEmail (its reputation metrics
    /// and its suppression of bounced and complained addresses apply to the mail), or null for none.
    /// </summary>
    public string? SesConfigurationSet { get; init; }

    /// <summary>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true" (any case).</summary>
    public bool IgnoreConfiguredEndpoints { get; init; }

    /// <summary>The region to call and to sign for.</summary>
    /// <exception cref="InvalidOperationException">Neither AWS_REGION nor AWS_DEFAULT_REGION is set; the message names both.</exception>
    public string RequireRegion() => Region ?? throw new InvalidOperationException(
        $"No AWS region configured: set {RegionVariable} (Lambda sets it) or {DefaultRegionVariable}.");
}
