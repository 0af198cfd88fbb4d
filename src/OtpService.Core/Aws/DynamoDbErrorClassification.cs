using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one place that decides what a failed DynamoDB call means (README, "Why requests fail",
/// lists this table with its sources): throttling, 5xx, timeouts and unreachable endpoints are
/// <see cref="StoreUnavailableException"/> (the API answers 503 with Retry-After); a wrong
/// deployment (missing table, access denied, invalid request, bad credentials) and every other
/// service error is <see cref="StoreConfigurationException"/> (500, logged with its type). Neither
/// message carries a key, an item or the service's own text.
/// </summary>
public static class DynamoDbErrorClassification
{
    /// <summary>
    /// Errors the DynamoDB API reference documents as the caller's or the deployment's fault
    /// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
    /// Listed for the docs and tests; any 4xx that is not retryable is treated the same way.
    /// </summary>
    public static readonly IReadOnlySet<string> ConfigurationErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "ResourceNotFoundException", "AccessDeniedException", "ValidationException", "UnrecognizedClientException",
        "InvalidSignatureException", "MissingAuthenticationTokenException", "IncompleteSignatureException",
        "ExpiredTokenException", "InvalidClientTokenId", "SerializationException", "ItemCollectionSizeLimitExceededException",
    };

    /// <summary>
    /// The port's exception for <paramref name="failure"/>, or null when it is not a storage failure
    /// (a failed condition, which the store handles, or the caller's own cancellation).
    /// </summary>
    public static StoreException? Classify(Exception failure) => failure switch
    {
        ConditionalCheckFailedException => null,
        AmazonServiceException service when IsTransient(service) =>
            new StoreUnavailableException($"DynamoDB could not serve the call: {service.ErrorCode} ({(int)service.StatusCode}).", failure, service.ErrorCode),
        AmazonServiceException service =>
            new StoreConfigurationException($"DynamoDB refused the call: {service.ErrorCode} ({(int)service.StatusCode}).", failure, service.ErrorCode),
        _ when AwsSdkFailure.IsNoCredentials(failure) =>
            new StoreConfigurationException("DynamoDB could not be called: no AWS credentials could be resolved.", failure, AwsErrorType.NoCredentials),
        _ when AwsSdkFailure.IsUnreachable(failure) =>
            new StoreUnavailableException($"DynamoDB could not be reached: {failure.GetType().Name}.", failure, failure.GetType().Name),
        _ => null,
    };

    /// <summary>Throttling, the retryable codes of botocore's standard mode, 5xx, or a service error with no status (a broken answer).</summary>
    private static bool IsTransient(AmazonServiceException service) =>
        AwsErrorType.IsRetryableCode(service.ErrorCode)
        || (int)service.StatusCode >= 500
        || (int)service.StatusCode == 429
        || (service.StatusCode == 0 && !ConfigurationErrors.Contains(service.ErrorCode ?? ""));
}
