using System.Net;
using System.Text;
using OtpService.Core.Aws;
using Xunit;

namespace OtpService.Tests.Aws;

public class SubjectKeyLoaderTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-subject-key-a1b2c3";
    private const string Value = "sUbJeCt0kEy1vAlUe2tHaT3iS4lOnG5eNoUgH6fOr7hMaC8sHa9256aBcDeF0123";

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(variable => variable.Name, variable => variable.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public async Task WithASecretArn_ReadsTheSecret()
    {
        var handler = FakeAwsHandler.Answering(HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","VersionId":"v1","SecretString":"{{Value}}"}""");

        var key = await SubjectKeyLoader.LoadSubjectKeyAsync(Environment(("OTP_SUBJECT_KEY_SECRET_ARN", SecretArn)), _ => SecretsManagerClientTests.Client(handler), CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(Value), key);
        Assert.Contains(SecretArn, handler.RequestBodyText, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDevelopmentKey_IsRefusedInLambda_AndUsedLocally()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SubjectKeyLoader.Plan(
            Environment(("OTP_SUBJECT_KEY", DevelopmentKeys.SubjectKey), ("AWS_LAMBDA_FUNCTION_NAME", "otp-service-VerifyOtp"))));

        Assert.Contains("OTP_SUBJECT_KEY_SECRET_ARN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(DevelopmentKeys.SubjectKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(
            new OtpService.Core.Tokens.SubjectIdentifiers(Encoding.UTF8.GetBytes(DevelopmentKeys.SubjectKey)).For("user@example.com"),
            SubjectKeyLoader.Plan(Environment(("OTP_SUBJECT_KEY", DevelopmentKeys.SubjectKey))).Value!.For("user@example.com"));
    }

    [Fact]
    public void AShortKey_OrNone_IsRefused_NamingTheVariables()
    {
        var tooShort = Assert.Throws<InvalidOperationException>(() => SubjectKeyLoader.Plan(Environment(("OTP_SUBJECT_KEY", "short-subject-key"))));
        var none = Assert.Throws<InvalidOperationException>(() => SubjectKeyLoader.Plan(Environment()));

        Assert.DoesNotContain("short-subject-key", tooShort.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_SUBJECT_KEY_SECRET_ARN", none.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_SUBJECT_KEY ", none.Message, StringComparison.Ordinal);
    }
}
