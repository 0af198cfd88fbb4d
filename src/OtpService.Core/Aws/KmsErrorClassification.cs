using Amazon.Runtime;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one place that decides what a failed KMS call (Sign at verify time, GetPublicKey at init)
/// means (README "Why requests fail" lists this table with its sources): throttling, 5xx,
/// <c>KeyUnavailableException</c>, <c>DependencyTimeoutException</c>, <c>KMSInternalException</c>,
/// timeouts and unreachable endpoints are <see cref="TokenSigningUnavailableException"/> (the API
/// answers 503 with Retry-After); a wrong deployment (missing, disabled or pending-deletion key, a
/// key of the wrong usage, access denied, bad credentials) and every other 4xx is
/// <see cref="TokenSigningConfigurationException"/> (500, logged with its type, counted). Neither
/// message carries the signing input or the service's own text.
/// </summary>
/// <remarks>
/// Error codes: https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#API_Sign_Errors
/// and https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html; the retryable ones
/// as botocore's standard retry mode (<see cref="AwsErrorType.IsRetryableCode"/>).
/// </remarks>
public static class KmsErrorClassification
{
    /// <summary>KMS errors its API reference documents as worth retrying (HTTP 500 or "you can retry the request").</summary>
    public static readonly IReadOnlySet<string> TransientErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "KeyUnavailableException", "DependencyTimeoutException", "KMSInternalException",
    };

    /// <summary>
    /// KMS errors that mean the key or the deployment is wrong. Listed for the docs and tests; any 4xx
    /// that is neither transient nor retryable is treated the same way.
    /// </summary>
    public static readonly IReadOnlySet<string> ConfigurationErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "NotFoundException", "DisabledException", "KMSInvalidStateException", "InvalidKeyUsageException",
        "InvalidGrantTokenException", "ValidationException", "AccessDeniedException", "UnrecognizedClientException",
        "InvalidSignatureException", "IncompleteSignatureException", "MissingAuthenticationTokenException",
        "ExpiredTokenException", "InvalidClientTokenId", "OptInRequired", "UnsupportedOperationException",
    };

    /// <summary>True for the failures <see cref="Classify"/> knows: KMS's answers and the SDK's client-side failures.</summary>
    public static bool IsKmsFailure(Exception failure) => failure is AmazonServiceException || AwsSdkFailure.IsUnreachable(failure);

    /// <summary>The port's exception for a failed <paramref name="operation"/> (e.g. "KMS Sign").</summary>
    /// <exception cref="ArgumentException"><paramref name="failure"/> is not a KMS failure (<see cref="IsKmsFailure"/>).</exception>
    public static TokenSigningException Classify(Exception failure, string operation)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure switch
        {
            AmazonServiceException service when IsTransient(service) =>
                new TokenSigningUnavailableException($"{operation} failed: HTTP {(int)service.StatusCode} {service.ErrorCode}.", failure, service.ErrorCode),
            AmazonServiceException service =>
                new TokenSigningConfigurationException($"{operation} was refused: HTTP {(int)service.StatusCode} {service.ErrorCode}.", failure, service.ErrorCode),
            _ when AwsSdkFailure.IsNoCredentials(failure) =>
                new TokenSigningConfigurationException($"{operation} could not be called: no AWS credentials could be resolved.", failure, AwsErrorType.NoCredentials),
            _ when AwsSdkFailure.IsUnreachable(failure) =>
                new TokenSigningUnavailableException($"{operation} could not be completed: {AwsSdkFailure.ErrorTypeOf(failure)}.", failure, AwsSdkFailure.ErrorTypeOf(failure)),
            _ => throw new ArgumentException($"{failure.GetType().Name} is not a KMS failure.", nameof(failure)),
        };
    }

    /// <summary>Throttling and the retryable codes, KMS's own transient codes, 5xx, 429, or a service error with no status (a broken answer).</summary>
    private static bool IsTransient(AmazonServiceException service) =>
        AwsErrorType.IsRetryableCode(service.ErrorCode)
        || TransientErrors.Contains(service.ErrorCode ?? "")
        || (int)service.StatusCode >= 500
        || (int)service.StatusCode == 429
        || (service.StatusCode == 0 && !ConfigurationErrors.Contains(service.ErrorCode ?? ""));
}
