using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>The one failure type: its error type is what logs, metrics and the classifier's tables key on, so it is never blank.</summary>
public sealed class DependencyExceptionTests
{
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void ABlankErrorType_IsRefused_NamingIt(string errorType)
    {
        var refused = Assert.ThrowsAny<ArgumentException>(() => new DependencyException(Dependency.DynamoDB, FailureKind.Transient, errorType, "GetItem failed"));

        Assert.Equal("errorType", refused.ParamName);
    }

    [Fact]
    public void AnErrorType_IsKept_WithTheServiceKindAndStatus()
    {
        var failure = new DependencyException(Dependency.SES, FailureKind.Undeliverable, "MessageRejected", "SendEmail failed: 400 MessageRejected", httpStatus: 400);

        Assert.Equal((Dependency.SES, FailureKind.Undeliverable, "MessageRejected", 400), (failure.Service, failure.Kind, failure.ErrorType, failure.HttpStatus));
    }
}
