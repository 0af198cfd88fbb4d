using System.Net;
using System.Text;
using OtpService.Core.Aws;
using Xunit;

namespace OtpService.Tests.Aws;

public class SigningKeyLoaderTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-signing-key-a1b2c3";
    private const string SecretValue = "kR3v9Qx2LmN8pT4wZs6yB1cD7fGhJ0aE5uI2oP9qW3eR6tY8uI1oP4aS7dF0gH3j";
    private const string LocalKey = "local-development-key-of-more-than-32-bytes";

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(variable => variable.Name, variable => variable.Value);
        return name => map.GetValueOrDefault(name);
    }

    private static FakeAwsHandler SecretAnswer(string secret) =>
        FakeAwsHandler.Answering(HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","Name":"otp-signing-key","SecretString":"{{secret}}"}""");

    [Fact]
    public async Task Load_WithASecretArn_UsesTheSecretsUtf8Bytes_EvenWhenALocalKeyIsSet()
    {
        var handler = SecretAnswer(SecretValue);

        var key = await SigningKeyLoader.LoadSigningKeyAsync(
            Environment(("OTP_SIGNING_KEY_SECRET_ARN", SecretArn), ("OTP_SIGNING_KEY", LocalKey)),
            _ => SecretsManagerClientTests.Client(handler),
            CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(SecretValue), key);
        Assert.Contains(SecretArn, handler.RequestBodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_WithOnlyALocalKey_UsesItsUtf8BytesWithoutCallingAws()
    {
        var key = await SigningKeyLoader.LoadSigningKeyAsync(
            Environment(("OTP_SIGNING_KEY", LocalKey)),
            _ => throw new InvalidOperationException("Secrets Manager must not be called"),
            CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(LocalKey), key);
    }

    [Fact]
    public void LoadSigningKey_WithOnlyALocalKey_ReturnsItSynchronously() =>
        Assert.Equal(Encoding.UTF8.GetBytes(LocalKey), SigningKeyLoader.LoadSigningKey(Environment(("OTP_SIGNING_KEY", LocalKey))));

    [Fact]
    public void LoadSigningKey_WithShortLocalKey_ThrowsWithoutShowingTheKey()
    {
        const string shortKey = "too-short-key";

        var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.LoadSigningKey(Environment(("OTP_SIGNING_KEY", shortKey))));

        Assert.Contains("OTP_SIGNING_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_WithAShortSecret_ThrowsWithoutShowingIt()
    {
        const string shortSecret = "short-secret";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SigningKeyLoader.LoadSigningKeyAsync(
            Environment(("OTP_SIGNING_KEY_SECRET_ARN", SecretArn)), _ => SecretsManagerClientTests.Client(SecretAnswer(shortSecret)), CancellationToken.None));

        Assert.DoesNotContain(shortSecret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadSigningKey_WithNeitherVariable_ThrowsNamingBoth()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.LoadSigningKey(Environment(("OTP_SIGNING_KEY", ""))));

        Assert.Contains("OTP_SIGNING_KEY_SECRET_ARN", error.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_SIGNING_KEY ", error.Message, StringComparison.Ordinal);
    }
}
