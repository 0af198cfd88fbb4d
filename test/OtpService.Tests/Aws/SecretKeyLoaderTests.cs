using System.Net;
using System.Text;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// The one loader of the three HMAC keys (code signing, client, subject): every check runs for every key,
/// against answers shaped like Secrets Manager's (the version stages against a real emulator:
/// Integration/SecretsManagerKeyRingTests; the functions' init: Integration/InitFailureTests).
/// </summary>
public class SecretKeyLoaderTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-key-a1b2c3";
    private const string CurrentValue = "kR3v9Qx2LmN8pT4wZs6yB1cD7fGhJ0aE5uI2oP9qW3eR6tY8uI1oP4aS7dF0gH3j";
    private const string PreviousValue = "pPrEvIoUs0kEy1vAlUe2tHaT3iS4lOnG5eNoUgH6fOr7hMaC8sHa9256aBcDeF0";
    private const string CurrentVersion = "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1";
    private const string PreviousVersion = "EXAMPLE2-90ab-cdef-fedc-ba987SECRET2";
    private const string LocalKey = "local-development-key-of-more-than-32-bytes";

    public static TheoryData<string> Keys => new(HmacKey.All.Select(key => key.LocalKeyVariable));

    private static HmacKey Key(string localKeyVariable) => HmacKey.All.Single(key => key.LocalKeyVariable == localKeyVariable);

    private static SecretsManagerClient NoCall() => throw new InvalidOperationException("Secrets Manager must not be called");

    /// <summary>Answers GetSecretValue per VersionStage, as Secrets Manager does; a missing stage is its ResourceNotFoundException.</summary>
    private static FakeAwsHandler Secret(string current, string? previous = null) =>
        new(async (request, cancellationToken) =>
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var (status, json) = body.Contains("AWSPREVIOUS", StringComparison.Ordinal)
                ? previous is null
                    ? (HttpStatusCode.BadRequest, """{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"}""")
                    : (HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","Name":"otp-key","VersionId":"{{PreviousVersion}}","SecretString":"{{previous}}","VersionStages":["AWSPREVIOUS"]}""")
                : (HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","Name":"otp-key","VersionId":"{{CurrentVersion}}","SecretString":"{{current}}","VersionStages":["AWSCURRENT"]}""");
            return new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        });

    private static DeferredKey<OtpKeyRing> FromSecret(string variable, FakeAwsHandler answers, string? localKey = null) =>
        SecretKeyLoader.PlanRing(new HmacKeySource(Key(variable), SecretArn, localKey), inLambda: true, () => SecretsManagerClientTests.Client(answers));

    private static async Task<DependencyException> ReadFails(DeferredKey<OtpKeyRing> key) =>
        Assert.IsType<DependencyException>(await Record.ExceptionAsync(() => key.GetAsync(CancellationToken.None).AsTask()));

    [Fact]
    public void Read_FillsEachKeySourceFromItsOwnVariables()
    {
        var variables = new Dictionary<string, string>
        {
            ["OTP_SIGNING_KEY_SECRET_ARN"] = "arn:signing",
            ["OTP_CLIENT_KEY"] = " client-local ",
            ["OTP_SUBJECT_KEY_SECRET_ARN"] = "arn:subject",
            ["OTP_SUBJECT_KEY"] = "",
        };

        var keys = ServiceConfiguration.Read(variables.GetValueOrDefault).Keys;

        Assert.Equal(new HmacKeySource(HmacKey.Signing, "arn:signing", null), keys.Signing);
        Assert.Equal(new HmacKeySource(HmacKey.Client, null, "client-local"), keys.Client);
        Assert.Equal(new HmacKeySource(HmacKey.Subject, "arn:subject", null), keys.Subject);
        Assert.False(keys.InLambda);
        Assert.True(ServiceConfiguration.Read(name => name == "AWS_LAMBDA_FUNCTION_NAME" ? "otp-service-VerifyOtp" : null).Keys.InLambda);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task BothSet_TheSecretWins(string variable)
    {
        var handler = Secret(CurrentValue);

        var ring = await FromSecret(variable, handler, localKey: LocalKey).GetAsync(CancellationToken.None);

        Assert.Equal(Encoding.UTF8.GetBytes(CurrentValue), ring.Current.Material.ToArray());
        Assert.Equal(CurrentVersion, ring.Current.Version);
        Assert.Contains(SecretArn, handler.RequestBodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSigningRing_OfASecretNeverRotated_HoldsTheCurrentVersionOnly()
    {
        var ring = await FromSecret("OTP_SIGNING_KEY", Secret(CurrentValue)).GetAsync(CancellationToken.None);

        Assert.Equal(CurrentVersion, ring.Current.Version);
        Assert.Null(ring.Previous);
    }

    [Fact]
    public async Task TheSigningRing_AfterARotation_HoldsCurrentAndPrevious_EachUnderItsVersionId()
    {
        var ring = await FromSecret("OTP_SIGNING_KEY", Secret(CurrentValue, PreviousValue)).GetAsync(CancellationToken.None);

        Assert.Equal(CurrentVersion, ring.Current.Version);
        Assert.Equal(Encoding.UTF8.GetBytes(PreviousValue), ring.Find(PreviousVersion)!.Material.ToArray());
    }

    [Theory]
    [InlineData("OTP_CLIENT_KEY")]
    [InlineData("OTP_SUBJECT_KEY")]
    public async Task AKeyNeverRotatedInPlace_ReadsTheCurrentVersionOnly(string variable)
    {
        var ring = await FromSecret(variable, Secret(CurrentValue, PreviousValue)).GetAsync(CancellationToken.None);

        Assert.Null(ring.Previous);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void WithOnlyALocalKey_ItIsKnownWithoutARead_AndHasNoRefreshSource(string variable)
    {
        var source = new HmacKeySource(Key(variable), null, LocalKey);

        Assert.Equal(Encoding.UTF8.GetBytes(LocalKey), SecretKeyLoader.PlanBytes(source, inLambda: true, NoCall).Value);
        Assert.Equal(OtpKey.LocalVersion, SecretKeyLoader.PlanRing(source, inLambda: false, NoCall).Value!.Current.Version);
        Assert.Null(SecretKeyLoader.RefreshSource(source, NoCall));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void ALocalKeyTooShort_StopsInit_NamingTheVariable_WithoutShowingTheKey(string variable)
    {
        const string shortKey = "too-short-key";

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyLoader.PlanBytes(new HmacKeySource(Key(variable), null, shortKey), inLambda: false, NoCall));

        Assert.StartsWith(variable + " ", error.Message, StringComparison.Ordinal);
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void NeitherVariable_StopsInit_NamingBoth_InLambdaAndOutside(string variable)
    {
        foreach (var inLambda in new[] { false, true })
        {
            var error = Assert.Throws<InvalidOperationException>(() => SecretKeyLoader.PlanBytes(new HmacKeySource(Key(variable), null, null), inLambda, NoCall));

            Assert.Contains(variable + "_SECRET_ARN", error.Message, StringComparison.Ordinal);
            Assert.Contains(variable + " ", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void TheDevelopmentKey_IsRefusedInLambda_WithoutShowingIt_AndAcceptedOutside(string variable)
    {
        var key = Key(variable);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyLoader.PlanBytes(new HmacKeySource(key, null, key.DevelopmentKey), inLambda: true, NoCall));

        Assert.Contains("AWS_LAMBDA_FUNCTION_NAME", error.Message, StringComparison.Ordinal);
        Assert.Contains(key.SecretArnVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key.DevelopmentKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(key.DevelopmentKey), SecretKeyLoader.PlanBytes(new HmacKeySource(key, null, key.DevelopmentKey), inLambda: false, NoCall).Value);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task ASecretTooShort_IsAConfigurationError_NamingTheVariable_WithoutShowingIt(string variable)
    {
        const string shortSecret = "short-secret";

        var error = await ReadFails(FromSecret(variable, Secret(shortSecret)));

        Assert.Equal(("InvalidSecretValue", false), (error.ErrorType, error.IsTransient));
        Assert.Contains(variable + "_SECRET_ARN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortSecret, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task AMissingSecret_IsAConfigurationError(string variable)
    {
        var error = await ReadFails(FromSecret(variable, FakeAwsHandler.Answering(
            HttpStatusCode.BadRequest, """{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}""")));

        Assert.Equal(("ResourceNotFoundException", false), (error.ErrorType, error.IsTransient));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task AnUnreadableSecret_IsAnOutage_WhenSecretsManagerFails_AndAConfigurationError_WhenItHoldsNoString(string variable)
    {
        var outage = await ReadFails(FromSecret(variable, FakeAwsHandler.Answering(HttpStatusCode.ServiceUnavailable, """{"__type":"InternalServiceError"}""")));
        var binary = await ReadFails(FromSecret(variable, FakeAwsHandler.Answering(
            HttpStatusCode.OK, $$"""{"ARN":"{{SecretArn}}","VersionId":"{{CurrentVersion}}","SecretBinary":"AAEC"}""")));

        Assert.True(outage.IsTransient);
        Assert.Contains("503", outage.Message, StringComparison.Ordinal);
        Assert.Equal(("InvalidSecretValue", false), (binary.ErrorType, binary.IsTransient));
    }

    [Fact]
    public async Task TheRefreshSource_ReadsTheSecretAgain_AndReportsItsFailuresClassified()
    {
        var source = SecretKeyLoader.RefreshSource(
            new HmacKeySource(HmacKey.Signing, SecretArn, null),
            () => SecretsManagerClientTests.Client(FakeAwsHandler.Answering(HttpStatusCode.ServiceUnavailable, """{"__type":"InternalServiceError"}""")))!;

        var error = await Assert.ThrowsAsync<DependencyException>(() => source.LoadAsync(CancellationToken.None));

        Assert.True(error.IsTransient);
    }
}
