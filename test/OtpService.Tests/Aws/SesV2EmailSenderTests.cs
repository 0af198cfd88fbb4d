using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>The SES v2 sender against a fake endpoint (see <see cref="FakeAwsHandler"/> for why a fake).</summary>
public class SesV2EmailSenderTests
{
    private const string Code = "493817";

    private static readonly OutgoingEmail Email = new(
        "no-reply@example.com",
        "user@example.com",
        "Your verification code",
        $"<p>Use this code to verify your login at Simple Website</p><p><b>{Code}</b></p>",
        $"Use this code to verify your login at Simple Website: {Code}");

    private static SesV2EmailSender Sender(FakeAwsHandler handler, AWSCredentials? credentials = null, TimeSpan? timeout = null, string? configurationSet = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var client = new SignedAwsHttpClient(
            Dependency.SES,
            new AwsRequestSigner(SesV2EmailSender.SigningService, "eu-west-1"),
            clock,
            credentials ?? new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new HttpClient(handler),
            timeout);
        return new SesV2EmailSender(new Uri("https://email.eu-west-1.amazonaws.com"), client, configurationSet);
    }

    [Fact]
    public async Task Send_NamesTheConfiguredConfigurationSet_SoItsSuppressionAndReputationMetricsApply()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK);

        await Sender(handler, configurationSet: "otp-stack-MailConfigurationSet-1A2B").SendAsync(Email, CancellationToken.None);

        using var json = JsonDocument.Parse(handler.RequestBody);
        Assert.Equal("otp-stack-MailConfigurationSet-1A2B", json.RootElement.GetProperty("ConfigurationSetName").GetString());
    }

    [Fact]
    public void For_TakesTheConfigurationSetFromOtpSesConfigurationSet()
    {
        var variables = new Dictionary<string, string>
        {
            ["AWS_REGION"] = "eu-west-1",
            [AwsSettings.SesConfigurationSetVariable] = "  otp-mail  ",
        };

        var aws = OtpService.Core.Lambda.ServiceConfiguration.ReadAwsSettings(name => variables.GetValueOrDefault(name));

        Assert.Equal("OTP_SES_CONFIGURATION_SET", AwsSettings.SesConfigurationSetVariable);
        Assert.Equal("otp-mail", aws.SesConfigurationSet);
        Assert.Null(OtpService.Core.Lambda.ServiceConfiguration.ReadAwsSettings(name => name == "AWS_REGION" ? "eu-west-1" : null).SesConfigurationSet);
    }

    [Fact]
    public async Task Send_PostsSignedJsonToOutboundEmails()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK, """{"MessageId":"0100018c-example"}""");

        await Sender(handler).SendAsync(Email, CancellationToken.None);

        var request = handler.Request!;
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails"), request.RequestUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("20250102T030405Z", request.Headers.GetValues("X-Amz-Date").Single());
        var authorization = request.Headers.GetValues("Authorization").Single();
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250102/eu-west-1/ses/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_BodyHasAwsPascalCaseShapeWithHtmlAndTextInUtf8()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK);

        await Sender(handler).SendAsync(Email, CancellationToken.None);

        using var json = JsonDocument.Parse(handler.RequestBody);
        var root = json.RootElement;
        Assert.Equal(["FromEmailAddress", "Destination", "Content"], root.EnumerateObject().Select(property => property.Name));
        Assert.Equal("no-reply@example.com", root.GetProperty("FromEmailAddress").GetString());
        Assert.Equal(["user@example.com"], root.GetProperty("Destination").GetProperty("ToAddresses").EnumerateArray().Select(to => to.GetString()));
        var simple = root.GetProperty("Content").GetProperty("Simple");
        AssertContent(simple.GetProperty("Subject"), Email.Subject);
        AssertContent(simple.GetProperty("Body").GetProperty("Html"), Email.HtmlBody);
        AssertContent(simple.GetProperty("Body").GetProperty("Text"), Email.TextBody);

        static void AssertContent(JsonElement content, string data)
        {
            Assert.Equal(data, content.GetProperty("Data").GetString());
            Assert.Equal("UTF-8", content.GetProperty("Charset").GetString());
        }
    }

    [Fact]
    public async Task Send_WithSessionCredentials_SendsAndSignsTheToken()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK);

        await Sender(handler, new SessionAWSCredentials("ASIAEXAMPLE", "secret", "session-token")).SendAsync(Email, CancellationToken.None);

        Assert.Equal("session-token", handler.Request!.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.Contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,", handler.Request.Headers.GetValues("Authorization").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequestsException")]
    [InlineData(HttpStatusCode.BadRequest, "ThrottlingException")]
    [InlineData(HttpStatusCode.BadRequest, "LimitExceededException")]
    [InlineData(HttpStatusCode.InternalServerError, "InternalFailure")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(HttpStatusCode.BadGateway, null)]
    public async Task Send_WhenThrottledOrServerFails_ThrowsATransientFailure(HttpStatusCode status, string? errorType)
    {
        var error = await SendExpectingFailure(ErrorAnswer(status, errorType));

        Assert.Equal(FailureKind.Transient, error.Kind);
        Assert.Contains($"HTTP {(int)status}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "BadRequestException")]
    [InlineData(HttpStatusCode.BadRequest, "MessageRejected")]
    [InlineData(HttpStatusCode.BadRequest, "AccountSuspendedException")]
    [InlineData(HttpStatusCode.BadRequest, "MailFromDomainNotVerifiedException")]
    [InlineData(HttpStatusCode.NotFound, "NotFoundException")]
    [InlineData(HttpStatusCode.Forbidden, "AccessDeniedException")]
    public async Task Send_WhenSesRefusesTheMail_ThrowsNamingTheErrorTypeAndStatus(HttpStatusCode status, string errorType)
    {
        var error = await SendExpectingFailure(ErrorAnswer(status, errorType));

        Assert.NotEqual(FailureKind.Transient, error.Kind);
        Assert.Equal(errorType, error.ErrorType);
        Assert.Contains(errorType, error.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {(int)status}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithTheErrorTypeOnlyInTheBody_ReadsItFromTheBody()
    {
        // REST-JSON services may leave out x-amzn-ErrorType; the SDKs then read "code" or "__type".
        var error = await SendExpectingFailure(FakeAwsHandler.Answering(
            HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.ses#MessageRejected","message":"rejected"}"""));

        Assert.Equal(FailureKind.Undeliverable, error.Kind);
        Assert.Contains("MessageRejected", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("com.amazonaws", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WhenRejectedWithAnErrorQuotingTheMail_NeverPutsTheMailInTheMessage()
    {
        // Even an error answer that echoes what we sent must not carry the code into logs.
        var echo = $$"""{"message":"Rejected: {{Email.HtmlBody}}"}""";
        var error = await SendExpectingFailure(
            FakeAwsHandler.Answering(HttpStatusCode.BadRequest, echo, "MessageRejected:http://internal.amazon.com/coral/com.amazon.coral.service/"));

        Assert.Equal("MessageRejected", error.ErrorType);
        foreach (var text in new[] { error.Message, error.ToString() })
        {
            Assert.DoesNotContain(Code, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Simple Website", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_WhenTheEndpointRefusesTheConnection_ThrowsATransientFailure()
    {
        var error = await SendExpectingFailure(FakeAwsHandler.Throwing(new HttpRequestException("Connection refused (email.eu-west-1.amazonaws.com:443)")));

        Assert.Equal(FailureKind.Transient, error.Kind);
    }

    [Fact]
    public async Task Send_WhenSesDoesNotAnswerInTime_ThrowsATransientTimeout()
    {
        var error = await SendExpectingFailure(FakeAwsHandler.Hanging(), TimeSpan.FromMilliseconds(100));

        Assert.Equal(FailureKind.Transient, error.Kind);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WhenTheCallerCancels_ThrowsOperationCanceledNotASendFailure()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var error = await Record.ExceptionAsync(() => Sender(FakeAwsHandler.Hanging(), timeout: TimeSpan.FromMinutes(1)).SendAsync(Email, cancellation.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    private static FakeAwsHandler ErrorAnswer(HttpStatusCode status, string? errorType) =>
        FakeAwsHandler.Answering(
            status,
            """{"message":"an AWS-shaped error"}""",
            errorType is null ? null : $"{errorType}:http://internal.amazon.com/coral/com.amazon.coral.service/");

    private static Task<DependencyException> SendExpectingFailure(FakeAwsHandler handler, TimeSpan? timeout = null) =>
        Assert.ThrowsAsync<DependencyException>(() => Sender(handler, timeout: timeout).SendAsync(Email, CancellationToken.None));
}
