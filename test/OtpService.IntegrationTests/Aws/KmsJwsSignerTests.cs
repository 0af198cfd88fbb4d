using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using OtpService.Tests.Tokens;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// The KMS path against a real KMS emulator (moto's server): keys created with CreateKey
/// (ECC_NIST_P256, SIGN_VERIFY), tokens signed with kms:Sign, keys published from kms:GetPublicKey,
/// and a standard JWT library validating the result. Skipped, with the reason, where moto is missing.
/// </summary>
public class KmsJwsSignerTests
{
    private static Func<string, string?> Environment(MotoServer moto, params (string Name, string Value)[] more)
    {
        var map = new Dictionary<string, string>(moto.AwsEnvironment());
        foreach (var (name, value) in more)
        {
            map[name] = value;
        }

        return map.GetValueOrDefault;
    }

    private static async Task<(MotoServer Moto, AmazonKeyManagementServiceClient Kms)> KmsAsync()
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var moto = await MotoServer.SharedAsync();
        return (moto, TestConfiguration.Kms(Environment(moto)));
    }

    private static async Task<string> CreateKeyAsync(AmazonKeyManagementServiceClient kms, KeySpec spec, KeyUsageType usage)
    {
        var created = await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = usage, Description = "OtpService test token key" });
        return created.KeyMetadata.Arn;
    }

    [SkippableFact]
    public async Task ATokenSignedByKms_IsValidatedByAStandardJwtLibrary_AgainstTheJwksFromGetPublicKey()
    {
        var (moto, kms) = await KmsAsync();
        using var _ = kms;
        var keyArn = await CreateKeyAsync(kms, KeySpec.ECC_NIST_P256, KeyUsageType.SIGN_VERIFY);

        var loaded = await TestConfiguration.TokenKeysAsync(Environment(moto, ("OTP_TOKEN_SIGNING_KEY_ID", keyArn)));
        var tokens = TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow), signer: loaded.Signer, others: loaded.OtherPublishedKeys);
        var token = await tokens.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);

        var result = await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"));
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(loaded.Signer.KeyId, ((JsonWebToken)result.SecurityToken).Kid);
        Assert.Empty(loaded.OtherPublishedKeys);
        Assert.IsType<KmsJwsSigner>(loaded.Signer);
    }

    [SkippableFact]
    public async Task EverySignature_ConvertsFromDer_AndVerifies()
    {
        var (_, kms) = await KmsAsync();
        using var __ = kms;
        var signer = await KmsJwsSigner.CreateAsync(kms, await CreateKeyAsync(kms, KeySpec.ECC_NIST_P256, KeyUsageType.SIGN_VERIFY), default);
        using var publicKey = System.Security.Cryptography.ECDsa.Create(new System.Security.Cryptography.ECParameters
        {
            Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256,
            Q = new() { X = signer.PublicKey.X.ToArray(), Y = signer.PublicKey.Y.ToArray() },
        });

        // DER integers are 31, 32 or 33 bytes at random; 40 signatures meet each length with near certainty.
        for (var i = 0; i < 40; i++)
        {
            var input = System.Text.Encoding.ASCII.GetBytes($"header.payload-{i}");
            var signature = await signer.SignAsync(input, default);

            Assert.Equal(64, signature.Length);
            Assert.True(publicKey.VerifyData(input, signature, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation), $"signature {i}");
        }
    }

    [SkippableFact]
    public async Task DuringARotation_TheJwksPublishesBothKeys_AndTokensOfEitherValidate()
    {
        var (moto, kms) = await KmsAsync();
        using var _ = kms;
        var previous = await CreateKeyAsync(kms, KeySpec.ECC_NIST_P256, KeyUsageType.SIGN_VERIFY);
        var current = await CreateKeyAsync(kms, KeySpec.ECC_NIST_P256, KeyUsageType.SIGN_VERIFY);
        var before = await TestConfiguration.TokenKeysAsync(Environment(moto, ("OTP_TOKEN_SIGNING_KEY_ID", previous)));
        var oldToken = await TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow), signer: before.Signer).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);

        var during = await TestConfiguration.TokenKeysAsync(
            Environment(moto, ("OTP_TOKEN_SIGNING_KEY_ID", current), ("OTP_TOKEN_ROTATION_KEY_ID", previous)));
        var tokens = TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow), signer: during.Signer, others: during.OtherPublishedKeys);
        var newToken = await tokens.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);

        Assert.Equal([during.Signer.KeyId, before.Signer.KeyId], tokens.PublishedKeys.Select(k => k.KeyId));
        Assert.NotEqual(before.Signer.KeyId, during.Signer.KeyId);
        foreach (var token in new[] { oldToken, newToken })
        {
            Assert.True((await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"))).IsValid);
        }
    }

    [SkippableFact]
    public async Task AKeyOfAnotherKind_IsRefusedAtStart_NamingWhatIsNeeded()
    {
        var (_, kms) = await KmsAsync();
        using var __ = kms;
        var rsa = await CreateKeyAsync(kms, KeySpec.RSA_2048, KeyUsageType.SIGN_VERIFY);
        var p384 = await CreateKeyAsync(kms, KeySpec.ECC_NIST_P384, KeyUsageType.SIGN_VERIFY);

        foreach (var key in new[] { rsa, p384 })
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => KmsJwsSigner.CreateAsync(kms, key, default));
            Assert.Contains("ECC_NIST_P256", error.Message, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task SigningWithAKeyKmsDoesNotKnow_IsAConfigurationError_NamingKmsError()
    {
        var (_, kms) = await KmsAsync();
        using var __ = kms;

        // Built as init builds it, by an alias; the alias is deleted afterwards (a wrong template, a manual change).
        var alias = $"alias/otp-service-test-{Guid.NewGuid():N}";
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = await CreateKeyAsync(kms, KeySpec.ECC_NIST_P256, KeyUsageType.SIGN_VERIFY) });
        var signer = await KmsJwsSigner.CreateAsync(kms, alias, default);
        await kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = alias });

        var error = await Failures.ThrowsAsync(Dependency.KMS, FailureKind.Configuration, () => signer.SignAsync(new byte[] { 1, 2, 3 }, default));

        Assert.Contains("KMS Sign was refused", error.Message, StringComparison.Ordinal);
        Assert.Equal("NotFoundException", error.ErrorType);
    }

    [SkippableFact]
    public async Task WhenKmsRefusesTheConnection_SigningIsTokenSigningUnavailable()
    {
        // A refused connection is a real fault: init read the key through a front that then stops
        // listening (a restored copy's fresh connection meets it, AwsConnections.Renew).
        var (moto, admin) = await KmsAsync();
        using var _ = admin;
        var keyArn = await CreateKeyAsync(admin, KeySpec.ECC_NIST_P256, KeyUsageType.SIGN_VERIFY);
        await using var front = new SwitchableEndpoint(moto.Endpoint, SwitchableEndpoint.Mode.Forwarding);
        using var kms = TestConfiguration.Kms(Environment(moto, ("AWS_ENDPOINT_URL_KMS", front.Url.ToString())));
        var signer = await KmsJwsSigner.CreateAsync(kms, keyArn, default);
        AwsConnections.Renew();
        await front.SetAsync(SwitchableEndpoint.Mode.Refusing);

        await Assert.ThrowsAnyAsync<Exception>(() => KmsJwsSigner.CreateAsync(kms, keyArn, default));
        var error = await Failures.ThrowsAsync(Dependency.KMS, FailureKind.Transient, () => signer.SignAsync(new byte[] { 1 }, default));
        Assert.DoesNotContain("127.0.0.1", error.Message, StringComparison.Ordinal);
    }
}
