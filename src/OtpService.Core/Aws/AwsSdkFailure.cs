using Amazon.Runtime;

namespace OtpService.Core.Aws;

/// <summary>
/// What an AWSSDK client's exception says when no service answer came back: no credentials (a
/// deployment fault), or a timeout, refused connection or broken transfer (worth retrying). Shared
/// by the SDK-based adapters' classifications (<see cref="DynamoDbErrorClassification"/>,
/// <see cref="KmsErrorClassification"/>).
/// </summary>
public static class AwsSdkFailure
{
    /// <summary>The SDK's credential chain found nothing (no role, no variables): the deployment is wrong.</summary>
    public static bool IsNoCredentials(Exception failure) =>
        failure is AmazonClientException
        && failure.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal);

    /// <summary>A client-side failure with no answer from the service: timeouts, refused or reset connections, I/O errors.</summary>
    public static bool IsUnreachable(Exception failure) =>
        failure is AmazonClientException or HttpRequestException or IOException or TimeoutException
            or OperationCanceledException { InnerException: TimeoutException };

    /// <summary>The name logged for a client-side failure: <see cref="AwsErrorType.Timeout"/>, <see cref="AwsErrorType.ConnectionFailure"/>, or the exception's type.</summary>
    public static string ErrorTypeOf(Exception failure) => failure switch
    {
        TimeoutException or OperationCanceledException { InnerException: TimeoutException } => AwsErrorType.Timeout,
        HttpRequestException => AwsErrorType.ConnectionFailure,
        _ when IsNoCredentials(failure) => AwsErrorType.NoCredentials,
        _ => failure.GetType().Name,
    };
}
