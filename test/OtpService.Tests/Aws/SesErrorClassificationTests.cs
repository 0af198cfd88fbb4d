using System.Net;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// One case per AWS error code the SES mapping names (README, "Why mail fails", lists the same
/// table with its sources), plus the unknown ones: never silently dropped.
/// </summary>
public class SesErrorClassificationTests
{
    private const DeliveryFailureClass T = DeliveryFailureClass.Transient;
    private const DeliveryFailureClass U = DeliveryFailureClass.Undeliverable;
    private const DeliveryFailureClass C = DeliveryFailureClass.Configuration;

    public static TheoryData<int?, string?, string?, DeliveryFailureClass> Cases => new()
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
        { null, AwsErrorType.Timeout, null, T },
        { null, AwsErrorType.ConnectionFailure, null, T },
        // Undeliverable: this message, refused for good.
        { 400, "MessageRejected", "Address blacklisted.", U },
        { 400, "MessageRejected", "Message rejected: content.", U },
        { 400, "BadRequestException", "Illegal address", U },
        { 400, "BadRequestException", "Invalid email address .", U },
        { 400, "InvalidParameterValue", "Missing domain", U },
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
        { 403, "MissingAuthenticationToken", null, C },
        { 403, "ExpiredToken", null, C },
        { 400, "ExpiredTokenException", null, C },
        { 400, "RequestExpired", null, C },
        { null, AwsErrorType.NoCredentials, null, C },
        { 400, "BadRequestException", "Missing required field Subject", C },
        { 400, "TooManyRequestsException", "Daily message quota exceeded.", C },
        // Unknown: a refusal nobody mapped is an operator's problem, never a silent drop.
        { 400, "SomethingNewException", null, C },
        { 400, null, null, C },
        { 403, null, null, C },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_MapsEachErrorToItsClass(int? status, string? errorType, string? serviceMessage, DeliveryFailureClass expected)
    {
        var failure = new AwsCallException("SES v2 SendEmail failed.", retryable: false, (HttpStatusCode?)status, errorType, serviceMessage: serviceMessage);

        Assert.Equal(expected, SesErrorClassification.Classify(failure));
    }

    [Fact]
    public void Reason_NamesTheSandboxCase_WithoutQuotingTheServicesMessage()
    {
        var failure = new AwsCallException("x", false, HttpStatusCode.BadRequest, "MessageRejected",
            serviceMessage: "Email address is not verified. The following identities failed the check in region EU-WEST-1: user@example.com");

        var reason = SesErrorClassification.Reason(failure);

        Assert.Contains("sandbox", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("user@example.com", reason, StringComparison.Ordinal);
    }
}
