using OtpService.Tests.Support;
using System.Net;
using System.Text;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// The HMAC key ring's loader against answers shaped like Secrets Manager's (the version stages
/// against a real emulator: Integration/SecretsManagerKeyRingTests).
/// </summary>
public class SigningKeyLoaderTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-signing-key-a1b2c3";
    private const string CurrentValue = "kR3v9Qx2LmN8pT4wZs6yB1cD7fGhJ0aE5uI2oP9qW3eR6tY8uI1oP4aS7dF0gH3j";
    private const string PreviousValue = "pPrEvIoUs0kEy1vAlUe2tHaT3iS4lOnG5eNoUgH6fOr7hMaC8sHa9256aBcDeF0";
    private const string CurrentVersion = "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1";
    private const string PreviousVersion = "EXAMPLE2-90ab-cdef-fedc-ba987SECRET2";
    private const string LocalKey = "local-development-key-of-more-than-32-bytes";

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(variable => variable.Name, variable => variable.Value);
        return name => map.GetValueOrDefault(name);
    }

    /// <summary>Answers GetSecretValue per VersionStage, as Secrets Manager does; a missing stage is its ResourceNotFoundException.</summary>
    private static FakeAwsHandler Secret(string current, string? previous = null) =>
        new(async (request, cancellationToken) =>
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var (status, json) = body.Contains("AWSPREVIOUS", StringComparison.Ordinal)
                ? previous is null
                    ? (HttpStatusCode.BadRequest, """{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"}""")
                    : (HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","Name":"otp-signing-key","VersionId":"{{PreviousVersion}}","SecretString":"{{previous}}","VersionStages":["AWSPREVIOUS"]}""")
                : (HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","Name":"otp-signing-key","VersionId":"{{CurrentVersion}}","SecretString":"{{current}}","VersionStages":["AWSCURRENT"]}""");
            return new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        });

    [Fact]
    public async Task Load_WithASecretArn_UsesTheSecretsUtf8Bytes_EvenWhenALocalKeyIsSet()
    {
        var key = await SigningKeyLoader.LoadSigningKeyAsync(
            Environment(("OTP_SIGNING_KEY_SECRET_ARN", SecretArn), ("OTP_SIGNING_KEY", LocalKey)),
            _ => SecretsManagerClientTests.Client(Secret(CurrentValue)),
            CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(CurrentValue), key);
    }

    [Fact]
    public async Task LoadRing_OfASecretNeverRotated_HoldsTheCurrentVersionOnly_WithItsVersionId()
    {
        var ring = await SigningKeyLoader.LoadKeyRingAsync(
            Environment(("OTP_SIGNING_KEY_SECRET_ARN", SecretArn)), _ => SecretsManagerClientTests.Client(Secret(CurrentValue)), CancellationToken.None);

        Assert.Equal(CurrentVersion, ring.Current.Version);
        Assert.Equal(Encoding.UTF8.GetBytes(CurrentValue), ring.Current.Material.ToArray());
        Assert.Null(ring.Previous);
    }

    [Fact]
    public async Task LoadRing_AfterARotation_HoldsCurrentAndPrevious_EachUnderItsVersionId()
    {
        var ring = await SigningKeyLoader.LoadKeyRingAsync(
            Environment(("OTP_SIGNING_KEY_SECRET_ARN", SecretArn)), _ => SecretsManagerClientTests.Client(Secret(CurrentValue, PreviousValue)), CancellationToken.None);

        Assert.Equal(CurrentVersion, ring.Current.Version);
        Assert.Equal(PreviousVersion, ring.Previous!.Version);
        Assert.Equal(Encoding.UTF8.GetBytes(PreviousValue), ring.Find(PreviousVersion)!.Material.ToArray());
    }

    [Fact]
    public async Task Load_WithOnlyALocalKey_UsesItsUtf8BytesWithoutCallingAws()
    {
        var ring = await SigningKeyLoader.LoadKeyRingAsync(
            Environment(("OTP_SIGNING_KEY", LocalKey)),
            _ => throw new InvalidOperationException("Secrets Manager must not be called"),
            CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(LocalKey), ring.Current.Material.ToArray());
        Assert.Equal(OtpKey.LocalVersion, ring.Current.Version);
        Assert.Null(SigningKeyLoader.RefreshSource(Environment(("OTP_SIGNING_KEY", LocalKey))));
    }

    [Fact]
    public void Plan_WithOnlyALocalKey_HasTheRingWithoutARead() =>
        Assert.Equal(Encoding.UTF8.GetBytes(LocalKey), SigningKeyLoader.Plan(Environment(("OTP_SIGNING_KEY", LocalKey))).Value!.Current.Material.ToArray());

    [Fact]
    public void Plan_WithShortLocalKey_StopsInitWithoutShowingTheKey()
    {
        const string shortKey = "too-short-key";

        var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.Plan(Environment(("OTP_SIGNING_KEY", shortKey))));

        Assert.Contains("OTP_SIGNING_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_WithAShortSecret_ThrowsWithoutShowingIt()
    {
        const string shortSecret = "short-secret";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SigningKeyLoader.LoadKeyRingAsync(
            Environment(("OTP_SIGNING_KEY_SECRET_ARN", SecretArn)), _ => SecretsManagerClientTests.Client(Secret(shortSecret)), CancellationToken.None));

        Assert.DoesNotContain(shortSecret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WithNeitherVariable_StopsInitNamingBoth()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.Plan(Environment(("OTP_SIGNING_KEY", ""))));

        Assert.Contains("OTP_SIGNING_KEY_SECRET_ARN", error.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_SIGNING_KEY ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDevelopmentKey_IsRefusedInLambda_WithoutShowingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeyLoader.Plan(
            Environment(("OTP_SIGNING_KEY", DevelopmentKeys.CodeKey), ("AWS_LAMBDA_FUNCTION_NAME", "otp-service-VerifyOtp"))));

        Assert.Contains("AWS_LAMBDA_FUNCTION_NAME", error.Message, StringComparison.Ordinal);
        Assert.Contains("OTP_SIGNING_KEY_SECRET_ARN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(DevelopmentKeys.CodeKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDevelopmentKey_IsAcceptedOutsideLambda_AndAnotherLocalKeyInLambda()
    {
        Assert.Equal(OtpKey.LocalVersion, SigningKeyLoader.Plan(Environment(("OTP_SIGNING_KEY", DevelopmentKeys.CodeKey))).Value!.Current.Version);
        Assert.Equal(
            Encoding.UTF8.GetBytes(LocalKey),
            SigningKeyLoader.Plan(Environment(("OTP_SIGNING_KEY", LocalKey), ("AWS_LAMBDA_FUNCTION_NAME", "f"))).Value!.Current.Material.ToArray());
    }

    [Fact]
    public async Task KeySource_WhenSecretsManagerFails_ReportsKeySourceUnavailable_WithoutTheSecret()
    {
        var source = new SecretsManagerKeySource(
            SecretsManagerClientTests.Client(FakeAwsHandler.Answering(HttpStatusCode.ServiceUnavailable, """{"__type":"InternalServiceError"}""")), SecretArn);

        var error = await Failures.ThrowsAsync(Dependency.SecretsManager, FailureKind.Transient, () => source.LoadAsync(CancellationToken.None));

        Assert.Contains("503", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeySource_WhenTheSecretIsTooShort_ReportsKeySourceUnavailable()
    {
        var source = new SecretsManagerKeySource(SecretsManagerClientTests.Client(Secret("short")), SecretArn);

        Assert.Equal("InvalidSecretValue", (await Failures.ThrowsAsync(Dependency.SecretsManager, FailureKind.Configuration, () => source.LoadAsync(CancellationToken.None))).ErrorType);
    }
}
