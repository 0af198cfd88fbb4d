using System.Net;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// One case per KMS error code the mapping names (Sign's and the common errors): throttling, 5xx,
/// KMS's retryable codes and unreachable endpoints are 503 material, a wrong key or deployment is
/// 500 material. The exceptions are built as the SDK's unmarshaller builds them (code and status);
/// moto and real sockets produce several of these for real in Integration/KmsFailureTests.
/// </summary>
public class KmsErrorClassificationTests
{
    public static TheoryData<string, int, bool> ServiceErrors => new()
    {
        { "ThrottlingException", 400, true },
        { "LimitExceededException", 400, true },
        { "KMSInternalException", 500, true },
        { "DependencyTimeoutException", 500, true },
        { "KeyUnavailableException", 500, true },
        { "ServiceUnavailable", 503, true },
        { "SomethingNew", 429, true },
        { "NotFoundException", 400, false },
        { "DisabledException", 400, false },
        { "KMSInvalidStateException", 400, false },
        { "InvalidKeyUsageException", 400, false },
        { "InvalidGrantTokenException", 400, false },
        { "ValidationException", 400, false },
        { "AccessDeniedException", 400, false },
        { "UnrecognizedClientException", 400, false },
        { "InvalidSignatureException", 400, false },
        { "ExpiredTokenException", 400, false },
        { "SomethingNewException", 400, false },
    };

    [Theory]
    [MemberData(nameof(ServiceErrors))]
    public void Classify_ServiceErrors(string code, int status, bool unavailable)
    {
        var error = new AmazonKeyManagementServiceException("message from KMS quoting arn:aws:kms:us-east-1:123456789012:key/abc", null, ErrorType.Sender, code, "req-1", (HttpStatusCode)status);

        Assert.True(KmsErrorClassification.IsKmsFailure(error));
        var failure = KmsErrorClassification.Classify(error, "KMS Sign");

        Assert.IsType(unavailable ? typeof(TokenSigningUnavailableException) : typeof(TokenSigningConfigurationException), failure);
        Assert.Equal(code, failure.ErrorType);
        Assert.StartsWith("KMS Sign ", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status} {code}", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("message from KMS", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ClientSideFailures_AreUnavailable_NamedByKind()
    {
        (Exception Failure, string Type)[] failures =
        [
            (new HttpRequestException("Connection refused"), AwsErrorType.ConnectionFailure),
            (new TimeoutException(), AwsErrorType.Timeout),
            (new TaskCanceledException("timed out", new TimeoutException()), AwsErrorType.Timeout),
            (new IOException("reset"), nameof(IOException)),
            (new AmazonClientException("Unable to connect"), nameof(AmazonClientException)),
        ];

        Assert.All(failures, f =>
        {
            var failure = Assert.IsType<TokenSigningUnavailableException>(KmsErrorClassification.Classify(f.Failure, "KMS Sign"));
            Assert.Equal(f.Type, failure.ErrorType);
        });
    }

    [Fact]
    public void Classify_NoCredentials_IsAConfigurationError()
    {
        var failure = KmsErrorClassification.Classify(new AmazonClientException("Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors: ..."), "KMS Sign");

        Assert.Equal(AwsErrorType.NoCredentials, Assert.IsType<TokenSigningConfigurationException>(failure).ErrorType);
    }

    [Fact]
    public void TheCallersCancellation_AndOtherExceptions_AreNotKmsFailures()
    {
        Assert.False(KmsErrorClassification.IsKmsFailure(new OperationCanceledException()));
        Assert.False(KmsErrorClassification.IsKmsFailure(new TaskCanceledException()));
        Assert.False(KmsErrorClassification.IsKmsFailure(new InvalidOperationException()));
        Assert.Throws<ArgumentException>(() => KmsErrorClassification.Classify(new InvalidOperationException(), "KMS Sign"));
    }
}
