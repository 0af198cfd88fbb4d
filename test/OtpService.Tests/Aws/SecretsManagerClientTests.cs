using OtpService.Tests.Support;
using OtpService.Core.Rules;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using OtpService.Core.Aws;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>Secrets Manager against a fake endpoint: this project has no Secrets Manager emulator.</summary>
public class SecretsManagerClientTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-signing-key-a1b2c3";

    // The shape of AWS's documented GetSecretValue response (API reference example), with our values.
    private const string DocumentedResponse = """
        {
          "ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-signing-key-a1b2c3",
          "CreatedDate": 1.523477145713E9,
          "Name": "otp-signing-key",
          "SecretString": "kR3v9Qx2LmN8pT4wZs6yB1cD7fGhJ0aE5uI2oP9qW3eR6tY8uI1oP4aS7dF0gH3j",
          "VersionId": "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1",
          "VersionStages": ["AWSCURRENT"]
        }
        """;

    internal static SecretsManagerClient Client(FakeAwsHandler handler) =>
        new(new Uri("https://secretsmanager.eu-west-1.amazonaws.com"),
            new SignedAwsHttpClient(
                Dependency.SecretsManager,
                new AwsRequestSigner(SecretsManagerClient.SigningService, "eu-west-1"),
                TimeProvider.System,
                new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
                new HttpClient(handler)));

    [Fact]
    public async Task GetSecretString_PostsJson11GetSecretValue()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK, DocumentedResponse);

        await Client(handler).GetSecretStringAsync(SecretArn, CancellationToken.None);

        var request = handler.Request!;
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://secretsmanager.eu-west-1.amazonaws.com/"), request.RequestUri);
        Assert.Equal("application/x-amz-json-1.1", request.Content!.Headers.ContentType!.ToString());
        Assert.Equal("secretsmanager.GetSecretValue", request.Headers.GetValues("X-Amz-Target").Single());
        Assert.Equal($$"""{"SecretId":"{{SecretArn}}","VersionStage":"AWSCURRENT"}""", handler.RequestBodyText);
        Assert.Contains(
            "/eu-west-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target,",
            request.Headers.GetValues("Authorization").Single(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSecretString_ReadsSecretStringFromTheDocumentedResponse()
    {
        var secret = await Client(FakeAwsHandler.Answering(HttpStatusCode.OK, DocumentedResponse))
            .GetSecretStringAsync(SecretArn, CancellationToken.None);

        Assert.Equal("kR3v9Qx2LmN8pT4wZs6yB1cD7fGhJ0aE5uI2oP9qW3eR6tY8uI1oP4aS7dF0gH3j", secret);
    }

    [Fact]
    public async Task GetSecretString_WhenTheSecretIsMissing_ThrowsNotRetryableWithTheErrorType()
    {
        // JSON 1.1 errors name their type in the body's "__type", namespaced.
        var handler = FakeAwsHandler.Answering(
            HttpStatusCode.BadRequest,
            """{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}""");

        var error = await Failures.ThrowsAsync(Dependency.SecretsManager, FailureKind.Configuration, () => Client(handler).GetSecretStringAsync(SecretArn, CancellationToken.None));

        Assert.Equal("ResourceNotFoundException", error.ErrorType);
        Assert.Equal((int)HttpStatusCode.BadRequest, error.HttpStatus);
    }

    [Fact]
    public async Task GetSecretString_WhenThrottled_ThrowsRetryable()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.secretsmanager#ThrottlingException"}""");

        var error = await Failures.ThrowsAsync(Dependency.SecretsManager, FailureKind.Transient, () => Client(handler).GetSecretStringAsync(SecretArn, CancellationToken.None));

        Assert.Equal("ThrottlingException", error.ErrorType);
    }

    [Fact]
    public async Task GetSecretString_ForABinarySecret_ThrowsWithoutTheSecret()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK, """{"Name":"otp-signing-key","SecretBinary":"c2VjcmV0LWJ5dGVz"}""");

        var error = await Failures.ThrowsAsync(Dependency.SecretsManager, FailureKind.Configuration, () => Client(handler).GetSecretStringAsync(SecretArn, CancellationToken.None));

        Assert.DoesNotContain("c2VjcmV0LWJ5dGVz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSecretString_WhenTheAnswerIsNotJson_ThrowsWithoutQuotingIt()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK, "{\"SecretString\": hunter2-secret-value}");

        var error = await Failures.ThrowsAsync(Dependency.SecretsManager, FailureKind.Configuration, () => Client(handler).GetSecretStringAsync(SecretArn, CancellationToken.None));

        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void DocumentedResponse_IsValidJson() =>
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(DocumentedResponse).RootElement.ValueKind);
}
