using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>
/// One case per DynamoDB error code the mapping names: throttling, 5xx and unreachable endpoints
/// are 503 material, a wrong deployment is 500 material. The exceptions are built as the SDK's
/// unmarshaller builds them (error code and status set); dynalite and a closed port produce two
/// of these for real in <see cref="DynamoDbFailureTests"/>.
/// </summary>
public class DynamoDbErrorClassificationTests
{
    public static TheoryData<string, int, bool> ServiceErrors => new()
    {
        { "ProvisionedThroughputExceededException", 400, true },
        { "ThrottlingException", 400, true },
        { "RequestLimitExceeded", 400, true },
        { "LimitExceededException", 400, true },
        { "InternalServerError", 500, true },
        { "ServiceUnavailable", 503, true },
        { "RequestTimeout", 400, true },
        { "ResourceNotFoundException", 400, false },
        { "AccessDeniedException", 400, false },
        { "ValidationException", 400, false },
        { "UnrecognizedClientException", 400, false },
        { "InvalidSignatureException", 400, false },
        { "MissingAuthenticationTokenException", 400, false },
        { "ExpiredTokenException", 400, false },
        { "SerializationException", 400, false },
        { "SomethingNewException", 400, false },
    };

    [Theory]
    [MemberData(nameof(ServiceErrors))]
    public void Classify_ServiceErrors(string code, int status, bool unavailable)
    {
        var error = new AmazonDynamoDBException("message from DynamoDB naming email_id=a@example.com", null, ErrorType.Sender, code, "req-1", (HttpStatusCode)status);

        var failure = DynamoDbErrorClassification.Classify(error);

        Assert.IsType(unavailable ? typeof(StoreUnavailableException) : typeof(StoreConfigurationException), failure);
        Assert.Equal(code, failure!.ErrorType);
        Assert.DoesNotContain("a@example.com", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ClientSideFailures_AreUnavailable()
    {
        Exception[] failures =
        [
            new HttpRequestException("Connection refused"),
            new IOException("reset"),
            new TimeoutException(),
            new TaskCanceledException("timed out", new TimeoutException()),
            new AmazonClientException("Unable to connect"),
        ];

        Assert.All(failures, f => Assert.IsType<StoreUnavailableException>(DynamoDbErrorClassification.Classify(f)));
    }

    [Fact]
    public void Classify_NoCredentials_IsAConfigurationError()
    {
        var failure = DynamoDbErrorClassification.Classify(new AmazonClientException("Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors: ..."));

        Assert.IsType<StoreConfigurationException>(failure);
        Assert.Equal("NoCredentials", failure!.ErrorType);
    }

    [Fact]
    public void Classify_LeavesAFailedConditionAndTheCallersCancellationAlone()
    {
        Assert.Null(DynamoDbErrorClassification.Classify(new ConditionalCheckFailedException("condition")));
        Assert.Null(DynamoDbErrorClassification.Classify(new OperationCanceledException()));
        Assert.Null(DynamoDbErrorClassification.Classify(new TaskCanceledException()));
    }
}
