using OtpService.Tests.Integration;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using OtpService.Tests.Support;
using OtpService.Tests.Tokens;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// Issue 22 item 1: the token-signing key in a Secrets Manager secret (the template's default), against
/// moto's Secrets Manager. The secret starts empty, as the template creates it; the first start writes
/// one P-256 key; AWSCURRENT signs in memory; AWSPREVIOUS and AWSPENDING are published; a value that is
/// no P-256 private key is refused naming the secret, never quoting it. Tokens are validated by
/// Microsoft.IdentityModel against the JWKS, as a relying party does. Skipped, with the reason, where moto is missing.
/// </summary>
public class SecretsManagerTokenKeysTests
{
    private static readonly VerifiedAddress User = new("user@example.com", 0);

    private static async Task<(MotoServer Moto, MotoSecrets Secrets, string Arn)> EmptySecretAsync()
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var moto = await MotoServer.SharedAsync();
        var secrets = new MotoSecrets(moto);
        return (moto, secrets, await secrets.CreateEmptySecretAsync($"otp-token-key-{Guid.NewGuid():N}"));
    }

    private static Func<string, string?> Environment(MotoServer moto, string secretArn) =>
        new Dictionary<string, string>(moto.AwsEnvironment()) { [TokenSigningKeyLoader.SecretArnVariable] = secretArn }.GetValueOrDefault;

    private static SecretsManagerTokenKeys Keys(MotoServer moto, string secretArn, TimeProvider? clock = null) =>
        new(SecretsManagerClient.For(Core.Lambda.ServiceConfiguration.ReadAwsSettings(Environment(moto, secretArn)), TimeProvider.System), secretArn, clock ?? TimeProvider.System);

    /// <summary>Tokens over the secret's keys, read again (as in Lambda) when older than the refresh interval.</summary>
    private static IdentityTokens Tokens(MotoServer moto, string secretArn, FakeTimeProvider clock)
    {
        var keys = Keys(moto, secretArn, clock);
        return new IdentityTokens(
            new DeferredKey<TokenKeySet>(keys.LoadAsync),
            DeferredKey.Known(new SubjectIdentifiers(System.Text.Encoding.UTF8.GetBytes(DevelopmentKeys.SubjectKey))),
            new TokenSettings { Audience = "https://www.example.com" },
            clock)
        {
            Refresh = keys.LoadAsync,
        };
    }

    private static string NewKeyPem(ECCurve? curve = null)
    {
        using var key = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static async Task<bool> ValidatesAsync(string token, string jwks) =>
        (await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(jwks, TokenTestKeys.Issuer, "https://www.example.com"))).IsValid;

    [SkippableFact]
    public async Task AnEmptySecret_GetsAKeyAtFirstStart_AndItsTokensValidateAgainstTheJwks_WithAStandardJwtLibrary()
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;

        var loaded = await TestConfiguration.TokenKeysAsync(Environment(moto, arn));
        var tokens = TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow), signer: loaded.Signer, others: loaded.OtherPublishedKeys);
        var token = await tokens.IssueAsync(TokenTestKeys.Issuer, User, default);

        var result = await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"));
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(loaded.Signer.KeyId, ((JsonWebToken)result.SecurityToken).Kid);
        Assert.IsType<EcdsaJwsSigner>(loaded.Signer);
        Assert.Equal([SecretsManagerTokenKeys.FirstVersionId], await secrets.VersionIdsAsync(arn));

        // A second start reads the key the first one wrote: same kid, still one version.
        var again = await TestConfiguration.TokenKeysAsync(Environment(moto, arn));
        Assert.Equal(loaded.Signer.KeyId, again.Signer.KeyId);
        Assert.Equal([SecretsManagerTokenKeys.FirstVersionId], await secrets.VersionIdsAsync(arn));
    }

    [SkippableFact]
    public async Task ConcurrentFirstStarts_EndWithOneKey_ThatEveryStartSignsWith()
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;

        var starts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Keys(moto, arn).LoadAsync(default))));

        Assert.Single(starts.Select(s => s.Signer.KeyId).Distinct());
        Assert.Equal([SecretsManagerTokenKeys.FirstVersionId], await secrets.VersionIdsAsync(arn));
    }

    [SkippableFact]
    public async Task ARotation_PublishesTheNextKeyFirst_ThenSignsWithIt_AndTokensOfThePreviousKeyStillValidate()
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = Tokens(moto, arn, clock);
        var oldToken = await tokens.IssueAsync(TokenTestKeys.Issuer, User, default);
        var oldKid = tokens.PublishedKeys.Single().KeyId;

        // Step 1: the next key as AWSPENDING. Within the refresh interval the JWKS lists it; tokens are still signed with the old key.
        var next = await secrets.PutSecretValueAsync(arn, NewKeyPem(), SecretsManagerClient.PendingStage);
        clock.Advance(IdentityTokens.DefaultRefreshInterval);
        var during = await tokens.IssueAsync(TokenTestKeys.Issuer, User, default);
        Assert.Equal(2, tokens.PublishedKeys.Count);
        Assert.Equal(oldKid, tokens.PublishedKeys[0].KeyId);
        Assert.Equal(oldKid, new JsonWebToken(during).Kid);
        var newKid = tokens.PublishedKeys[1].KeyId;

        // Step 2: AWSCURRENT moves to it (AWSPREVIOUS to the old key). New tokens carry the new kid; old ones still validate.
        await secrets.MoveStageAsync(arn, SecretsManagerClient.CurrentStage, next, SecretsManagerTokenKeys.FirstVersionId);
        clock.Advance(IdentityTokens.DefaultRefreshInterval);
        var newToken = await tokens.IssueAsync(TokenTestKeys.Issuer, User, default);
        var jwks = await tokens.GetJwksAsync(default);

        Assert.Equal(newKid, new JsonWebToken(newToken).Kid);
        Assert.Equal([newKid, oldKid], tokens.PublishedKeys.Select(k => k.KeyId));
        foreach (var token in new[] { oldToken, during, newToken })
        {
            Assert.True(await ValidatesAsync(token, jwks));
        }
    }

    [SkippableFact]
    public async Task ARotationInOneStep_ByPutSecretValue_SignsWithTheNewKey_AndKeepsThePreviousPublished()
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = Tokens(moto, arn, clock);
        var oldToken = await tokens.IssueAsync(TokenTestKeys.Issuer, User, default);
        var oldKid = new JsonWebToken(oldToken).Kid;

        await secrets.PutSecretValueAsync(arn, NewKeyPem());
        clock.Advance(IdentityTokens.DefaultRefreshInterval);
        var newToken = await tokens.IssueAsync(TokenTestKeys.Issuer, User, default);

        Assert.NotEqual(oldKid, new JsonWebToken(newToken).Kid);
        Assert.Equal(oldKid, tokens.PublishedKeys[1].KeyId);
        Assert.True(await ValidatesAsync(oldToken, tokens.Jwks));
        Assert.True(await ValidatesAsync(newToken, tokens.Jwks));
    }

    [SkippableFact]
    public async Task BeforeTheRefreshInterval_TheKeysInUseServe_WithoutAnotherRead()
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = Tokens(moto, arn, clock);
        var kid = new JsonWebToken(await tokens.IssueAsync(TokenTestKeys.Issuer, User, default)).Kid;

        await secrets.PutSecretValueAsync(arn, NewKeyPem());
        clock.Advance(IdentityTokens.DefaultRefreshInterval - TimeSpan.FromSeconds(1));

        Assert.Equal(kid, new JsonWebToken(await tokens.IssueAsync(TokenTestKeys.Issuer, User, default)).Kid);
        Assert.Single(tokens.PublishedKeys);
    }

    public static TheoryData<string, string> NoP256PrivateKey => new()
    {
        { "not PEM", "correct horse battery staple, a password, not a key" },
        { "P-384", NewKeyPem(ECCurve.NamedCurves.nistP384) },
        { "public key only", PublicPem() },
        { "RSA", RsaPem() },
        { "PEM with a broken body", "-----BEGIN PRIVATE KEY-----\nTUlJQnNlY3JldG5vdGFrZXk=\n-----END PRIVATE KEY-----" },
    };

    [SkippableTheory]
    [MemberData(nameof(NoP256PrivateKey))]
    public async Task AValueThatIsNoP256PrivateKey_IsRefused_NamingTheSecretAndStage_NeverQuotingTheValue(string kind, string value)
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;
        await secrets.PutSecretValueAsync(arn, value);

        var refused = await Assert.ThrowsAsync<DependencyException>(() => TestConfiguration.TokenKeysAsync(Environment(moto, arn)));

        Assert.Equal(FailureKind.Configuration, refused.Kind);
        Assert.Contains(arn, refused.Message, StringComparison.Ordinal);
        Assert.Contains(SecretsManagerClient.CurrentStage, refused.Message, StringComparison.Ordinal);
        AssertNoPartOf(value, refused.ToString(), kind);
    }

    [SkippableFact]
    public async Task APreviousVersionThatIsNoKey_IsRefusedToo_NamingItsStage()
    {
        var (moto, secrets, arn) = await EmptySecretAsync();
        using var _ = secrets;
        const string Password = "a-password-left-from-a-wrong-rotation-0123456789";
        await secrets.PutSecretValueAsync(arn, Password);
        await secrets.PutSecretValueAsync(arn, NewKeyPem());

        var refused = await Assert.ThrowsAsync<DependencyException>(() => TestConfiguration.TokenKeysAsync(Environment(moto, arn)));

        Assert.Contains(SecretsManagerClient.PreviousStage, refused.Message, StringComparison.Ordinal);
        AssertNoPartOf(Password, refused.ToString(), "the previous value");
    }

    [SkippableFact]
    public async Task ASecretThatDoesNotExist_IsAConfigurationError_NamingIt()
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var moto = await MotoServer.SharedAsync();
        var arn = $"arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-none-{Guid.NewGuid():N}";

        var refused = await Assert.ThrowsAsync<DependencyException>(() => TestConfiguration.TokenKeysAsync(Environment(moto, arn)));

        Assert.Equal(FailureKind.Configuration, refused.Kind);
    }

    /// <summary>Neither the value nor any line of it (a PEM's base64 body) is in <paramref name="text"/>.</summary>
    internal static void AssertNoPartOf(string value, string text, string what)
    {
        foreach (var line in value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal) && l.Length >= 16))
        {
            Assert.False(text.Contains(line, StringComparison.Ordinal), $"{what}: a line of the secret's value appears in: {text}");
        }
    }

    private static string PublicPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    private static string RsaPem()
    {
        using var key = RSA.Create(2048);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
