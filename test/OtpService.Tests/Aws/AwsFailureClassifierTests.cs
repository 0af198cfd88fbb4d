using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// One case per error code each service's table names (README, "Why requests fail" and "Why mail
/// fails", list the same tables with their sources), plus the retryable codes, the status rules and
/// the unknown codes: never silently dropped. <see cref="EveryTableEntry_HasACase"/> keeps the cases
/// and the tables in step. The SDK exceptions are built as the SDK's unmarshaller builds them (code and
/// status); dynalite, moto and real sockets produce several of these for real in the integration tests.
/// </summary>
public class AwsFailureClassifierTests
{
    private const FailureKind T = FailureKind.Transient;
    private const FailureKind U = FailureKind.Undeliverable;
    private const FailureKind C = FailureKind.Configuration;

    public static TheoryData<string, int, FailureKind> DynamoDbCases => new()
    {
        { "ProvisionedThroughputExceededException", 400, T },
        { "ThrottlingException", 400, T },
        { "RequestLimitExceeded", 400, T },
        { "LimitExceededException", 400, T },
        { "InternalServerError", 500, T },
        { "ServiceUnavailable", 503, T },
        { "RequestTimeout", 400, T },
        { "ResourceNotFoundException", 400, C },
        { "AccessDeniedException", 400, C },
        { "ValidationException", 400, C },
        { "UnrecognizedClientException", 400, C },
        { "InvalidSignatureException", 400, C },
        { "MissingAuthenticationTokenException", 400, C },
        { "IncompleteSignatureException", 400, C },
        { "ExpiredTokenException", 400, C },
        { "InvalidClientTokenId", 403, C },
        { "SerializationException", 400, C },
        { "ItemCollectionSizeLimitExceededException", 400, C },
        { "SomethingNewException", 400, C },
        // A broken answer (no status) with a code nobody mapped: worth a retry.
        { "SomethingNewException", 0, T },
        { "ResourceNotFoundException", 0, C },
    };

    [Theory]
    [MemberData(nameof(DynamoDbCases))]
    public void DynamoDb_ServiceErrors(string code, int status, FailureKind expected)
    {
        var error = new AmazonDynamoDBException("message from DynamoDB naming email_id=a@example.com", null, ErrorType.Sender, code, "req-1", (HttpStatusCode)status);

        var failure = AwsFailureClassifier.FromSdk(Dependency.DynamoDB, "DynamoDB", error);

        Assert.Equal((Dependency.DynamoDB, expected, code), (failure!.Service, failure.Kind, failure.ErrorType));
        Assert.DoesNotContain("a@example.com", failure.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, FailureKind> KmsCases => new()
    {
        { "ThrottlingException", 400, T },
        { "LimitExceededException", 400, T },
        { "KMSInternalException", 500, T },
        { "DependencyTimeoutException", 500, T },
        { "KeyUnavailableException", 500, T },
        { "ServiceUnavailable", 503, T },
        { "SomethingNew", 429, T },
        { "NotFoundException", 400, C },
        { "DisabledException", 400, C },
        { "KMSInvalidStateException", 400, C },
        { "InvalidKeyUsageException", 400, C },
        { "InvalidKeyUsage", 400, C },
        { "InvalidGrantTokenException", 400, C },
        { "ValidationException", 400, C },
        { "AccessDeniedException", 400, C },
        { "UnrecognizedClientException", 400, C },
        { "InvalidSignatureException", 400, C },
        { "IncompleteSignatureException", 400, C },
        { "MissingAuthenticationTokenException", 403, C },
        { "ExpiredTokenException", 400, C },
        { "InvalidClientTokenId", 403, C },
        { "OptInRequired", 403, C },
        { "UnsupportedOperationException", 400, C },
        { "SomethingNewException", 400, C },
    };

    [Theory]
    [MemberData(nameof(KmsCases))]
    public void Kms_ServiceErrors(string code, int status, FailureKind expected)
    {
        var error = new AmazonKeyManagementServiceException("message from KMS quoting arn:aws:kms:us-east-1:123456789012:key/abc", null, ErrorType.Sender, code, "req-1", (HttpStatusCode)status);

        var failure = AwsFailureClassifier.FromSdk(Dependency.KMS, "KMS Sign", error);

        Assert.Equal((Dependency.KMS, expected, code), (failure!.Service, failure.Kind, failure.ErrorType));
        Assert.StartsWith("KMS Sign ", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status} {code}", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("message from KMS", failure.Message, StringComparison.Ordinal);
    }

    public static TheoryData<int?, string?, string?, FailureKind> SesCases => new()
    {
        // Transient: throttling, 5xx, timeouts, connection failures, botocore's retryable codes.
        { 429, "TooManyRequestsException", "Maximum sending rate exceeded.", T },
        { 400, "ThrottlingException", null, T },
        { 400, "Throttling", null, T },
        { 400, "LimitExceededException", null, T },
        { 400, "RequestTimeoutException", null, T },
        { 400, "RequestTimeout", null, T },
        { 400, "PriorRequestNotComplete", null, T },
        { 500, "InternalFailure", null, T },
        { 503, "ServiceUnavailable", null, T },
        { 502, null, null, T },
        { 504, null, null, T },
        { null, AwsFailureClassifier.Timeout, null, T },
        { null, AwsFailureClassifier.ConnectionFailure, null, T },
        // Undeliverable: this message, refused for good.
        { 400, "MessageRejected", "Address blacklisted.", U },
        { 400, "MessageRejected", "Message rejected: content.", U },
        { 400, "BadRequestException", "Illegal address", U },
        { 400, "BadRequestException", "Invalid email address .", U },
        { 400, "InvalidParameterValue", "Missing domain", U },
        { 400, "ValidationException", "Invalid address", U },
        // Configuration: the account or the deployment is wrong.
        { 400, "MessageRejected", "Email address is not verified. The following identities failed the check in region EU-WEST-1: user@example.com", C },
        { 400, "MessageRejected", "Email address not verified no-reply@example.com", C },
        { 403, "AccessDeniedException", "User is not authorized to perform `ses:SendEmail' on resource `arn:aws:ses:eu-west-1:1:identity/user@example.com'", C },
        { 403, "AccessDenied", null, C },
        { 400, "AccountSuspendedException", null, C },
        { 400, "SendingPausedException", null, C },
        { 400, "MailFromDomainNotVerifiedException", null, C },
        { 404, "NotFoundException", null, C },
        { 403, "InvalidClientTokenId", null, C },
        { 403, "UnrecognizedClientException", null, C },
        { 403, "SignatureDoesNotMatch", null, C },
        { 403, "InvalidSignatureException", null, C },
        { 403, "IncompleteSignature", null, C },
        { 403, "IncompleteSignatureException", null, C },
        { 403, "MissingAuthenticationToken", null, C },
        { 403, "MissingAuthenticationTokenException", null, C },
        { 403, "ExpiredToken", null, C },
        { 400, "ExpiredTokenException", null, C },
        { 400, "RequestExpired", null, C },
        { 403, "InvalidAccessKeyId", null, C },
        { 401, "AuthFailure", null, C },
        { 403, "OptInRequired", null, C },
        { 403, "NotAuthorized", null, C },
        { null, AwsFailureClassifier.NoCredentials, null, C },
        { 400, "BadRequestException", "Missing required field Subject", C },
        { 400, "InvalidParameterValue", "Subject too long", C },
        { 400, "ValidationException", "1 validation error detected", C },
        { 400, "TooManyRequestsException", "Daily message quota exceeded.", C },
        // Unknown: a refusal nobody mapped is an operator's problem, never a silent drop.
        { 400, "SomethingNewException", null, C },
        { 400, null, null, C },
        { 403, null, null, C },
    };

    [Theory]
    [MemberData(nameof(SesCases))]
    public void Ses_MapsEachErrorToItsKind(int? status, string? errorType, string? serviceMessage, FailureKind expected) =>
        Assert.Equal(expected, AwsFailureClassifier.Classify(Dependency.SES, status, errorType, serviceMessage));

    public static TheoryData<int?, string, FailureKind> SecretsManagerCases => new()
    {
        { 400, "ThrottlingException", T },
        { 429, "TooManyRequestsException", T },
        { 500, "InternalServiceError", T },
        { 503, "ServiceUnavailable", T },
        { null, AwsFailureClassifier.Timeout, T },
        { null, AwsFailureClassifier.ConnectionFailure, T },
        { 400, "ResourceNotFoundException", C },
        { 400, "InvalidRequestException", C },
        { 400, "InvalidParameterException", C },
        { 400, "DecryptionFailure", C },
        { 400, "AccessDeniedException", C },
        { 400, "UnrecognizedClientException", C },
        { 403, "InvalidClientTokenId", C },
        { 400, "InvalidSignatureException", C },
        { 403, "IncompleteSignature", C },
        { 403, "MissingAuthenticationToken", C },
        { 400, "ExpiredTokenException", C },
        { 403, "ExpiredToken", C },
        { 403, "NotAuthorized", C },
        { 403, "OptInRequired", C },
        { null, AwsFailureClassifier.InvalidSecretValue, C },
        { null, AwsFailureClassifier.InvalidResponse, C },
        { null, AwsFailureClassifier.NoCredentials, C },
        { 400, "SomethingNewException", C },
    };

    [Theory]
    [MemberData(nameof(SecretsManagerCases))]
    public void SecretsManager_MapsEachErrorToItsKind(int? status, string errorType, FailureKind expected) =>
        Assert.Equal(expected, AwsFailureClassifier.Classify(Dependency.SecretsManager, status, errorType));

    [Fact]
    public void EveryTableEntry_HasACase()
    {
        (Dependency Service, IEnumerable<string> Codes)[] cases =
        [
            (Dependency.DynamoDB, DynamoDbCases.Select(c => (string)c[0]).Append(AwsFailureClassifier.NoCredentials)),
            (Dependency.KMS, KmsCases.Select(c => (string)c[0]).Append(AwsFailureClassifier.NoCredentials)),
            (Dependency.SES, SesCases.Select(c => (string?)c[1] ?? "")),
            (Dependency.SecretsManager, SecretsManagerCases.Select(c => (string)c[1])),
        ];

        Assert.All(cases, c => Assert.Empty(AwsFailureClassifier.TableOf(c.Service).Keys.Except(c.Codes)));
    }

    [Fact]
    public void Ses_Reason_NamesTheSandboxCase_WithoutQuotingTheServicesMessage()
    {
        var reason = AwsFailureClassifier.Reason(Dependency.SES, "MessageRejected",
            "Email address is not verified. The following identities failed the check in region EU-WEST-1: user@example.com");

        Assert.Contains("sandbox", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("user@example.com", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ses_ASuppressedRecipientsRefusal_IsUndeliverable_AndItsReasonSaysSo()
    {
        // SES's own refusal of an address on its suppression list before 2013 (today SES answers 200 and
        // drops the mail itself): https://aws.amazon.com/blogs/messaging-and-targeting/the-amazon-ses-address-blacklisted-error/
        using var answer = new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest);
        answer.Headers.Add("x-amzn-ErrorType", "MessageRejected");

        var failure = AwsFailureClassifier.FromAnswer(Dependency.SES, "SES v2 SendEmail", answer, """{"message":"Address blacklisted."}"""u8);

        Assert.Equal((U, "MessageRejected"), (failure.Kind, failure.ErrorType));
        Assert.Contains("suppression list", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("blacklisted", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Dependency.DynamoDB)]
    [InlineData(Dependency.KMS)]
    public void ClientSideFailures_AreTransient_NamedByKind(Dependency service)
    {
        (Exception Failure, string Type)[] failures =
        [
            (new HttpRequestException("Connection refused"), AwsFailureClassifier.ConnectionFailure),
            (new TimeoutException(), AwsFailureClassifier.Timeout),
            (new TaskCanceledException("timed out", new TimeoutException()), AwsFailureClassifier.Timeout),
            (new IOException("reset"), nameof(IOException)),
            (new AmazonClientException("Unable to connect"), nameof(AmazonClientException)),
        ];

        Assert.All(failures, f =>
        {
            var failure = AwsFailureClassifier.FromSdk(service, "Call", f.Failure);
            Assert.Equal((service, T, f.Type), (failure!.Service, failure.Kind, failure.ErrorType));
        });
    }

    [Theory]
    [InlineData(Dependency.DynamoDB)]
    [InlineData(Dependency.KMS)]
    public void NoCredentials_IsAConfigurationError(Dependency service)
    {
        var failure = AwsFailureClassifier.FromSdk(service, "Call", new AmazonClientException("Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors: ..."));

        Assert.Equal((C, AwsFailureClassifier.NoCredentials), (failure!.Kind, failure.ErrorType));
    }

    [Fact]
    public void TheCallersCancellation_AndOtherExceptions_AreNoDependencyFailures()
    {
        Assert.Null(AwsFailureClassifier.FromSdk(Dependency.KMS, "KMS Sign", new OperationCanceledException()));
        Assert.Null(AwsFailureClassifier.FromSdk(Dependency.DynamoDB, "DynamoDB", new TaskCanceledException()));
        Assert.Null(AwsFailureClassifier.FromSdk(Dependency.KMS, "KMS Sign", new InvalidOperationException()));
    }

    [Fact]
    public void DynamoDbStore_LeavesAFailedConditionAndTheCallersCancellationAlone()
    {
        Assert.Null(DynamoDbOtpStore.StorageFailure(new ConditionalCheckFailedException("condition")));
        Assert.Null(DynamoDbOtpStore.StorageFailure(new OperationCanceledException()));
        Assert.Null(DynamoDbOtpStore.StorageFailure(new TaskCanceledException()));
        Assert.Equal(T, DynamoDbOtpStore.StorageFailure(new HttpRequestException("refused"))!.Kind);
    }
}
