using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using Xunit;

namespace OtpService.Tests.Tokens;

/// <summary>
/// Issue 22 item 1, what needs no network: the choice of store is read once and judged at init, an
/// in-memory signer refuses a key it could not sign with, and a failed refresh of the keys keeps the
/// keys in use. The Secrets Manager path itself runs against moto (Integration/SecretsManagerTokenKeysTests).
/// </summary>
public class TokenKeyStoreTests
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:otp-token-key-a1b2c3";
    private const string KmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static Amazon.KeyManagementService.IAmazonKeyManagementService NoKms() => throw new InvalidOperationException("KMS must not be called");

    private static SecretsManagerClient NoSecretsManager() => throw new InvalidOperationException("Secrets Manager must not be called");

    [Fact]
    public void TheSecretVariable_IsReadOnce_WithTheOthers()
    {
        var configuration = ServiceConfiguration.Read(new Dictionary<string, string> { [TokenSigningKeyLoader.SecretArnVariable] = $"  {SecretArn} " }.GetValueOrDefault);

        Assert.Equal(SecretArn, configuration.Keys.Token.SecretArn);
        Assert.Null(configuration.Keys.Token.KmsKeyId);
    }

    [Fact]
    public void BothStoresConfigured_StopsInit_NamingBothVariables()
    {
        var source = new TokenKeySource(KmsKeyArn, null, null, SecretArn);

        var refused = Assert.Throws<InvalidOperationException>(() => TokenSigningKeyLoader.Plan(source, inLambda: true, NoKms, NoSecretsManager, TimeProvider.System));

        Assert.Contains(TokenSigningKeyLoader.SecretArnVariable, refused.Message, StringComparison.Ordinal);
        Assert.Contains(TokenSigningKeyLoader.KmsKeyVariable, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoStoreConfigured_StopsInit_NamingTheSecretVariableFirst()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => TokenSigningKeyLoader.Plan(new TokenKeySource(null, null, null), inLambda: true, NoKms, NoSecretsManager, TimeProvider.System));

        Assert.Contains(TokenSigningKeyLoader.SecretArnVariable, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheSecretStore_IsReadAgainAtInvokeTime()
    {
        Assert.Null(TokenSigningKeyLoader.RefreshSource(new TokenKeySource(KmsKeyArn, null, null), NoSecretsManager, TimeProvider.System));
        Assert.Null(TokenSigningKeyLoader.RefreshSource(new TokenKeySource(null, null, DevelopmentKeys.TokenSigningKeyPem), NoSecretsManager, TimeProvider.System));
    }

    [Fact]
    public void APublicKeyAlone_IsRefusedByTheInMemorySigner_WithoutQuotingIt()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = key.ExportSubjectPublicKeyInfoPem();

        var refused = Assert.Throws<ArgumentException>(() => new EcdsaJwsSigner(pem));

        Assert.DoesNotContain(pem.Split('\n')[1], refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedRefresh_KeepsTheKeysInUse_AndIsReported_ThenRetriedLater()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = new TokenKeySet(new EcdsaJwsSigner(DevelopmentKeys.TokenSigningKeyPem)) { ReadAt = clock.GetUtcNow() };
        using var nextKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var next = new TokenKeySet(new EcdsaJwsSigner(nextKey.ExportPkcs8PrivateKeyPem())) { ReadAt = clock.GetUtcNow() };
        var reads = 0;
        var failures = new List<DependencyException>();
        var tokens = new IdentityTokens(
            DeferredKey.Known(first),
            DeferredKey.Known(new SubjectIdentifiers(System.Text.Encoding.UTF8.GetBytes(DevelopmentKeys.SubjectKey))),
            new TokenSettings(),
            clock)
        {
            // Stands in for Secrets Manager failing (a fault moto cannot be asked for); the real reads: Integration/SecretsManagerTokenKeysTests.
            Refresh = _ => ++reads == 1
                ? Task.FromException<TokenKeySet>(new DependencyException(Dependency.SecretsManager, FailureKind.Transient, "Timeout", "Secrets Manager GetSecretValue timed out."))
                : Task.FromResult(next),
            RefreshFailed = failures.Add,
        };

        clock.Advance(IdentityTokens.DefaultRefreshInterval);
        var during = await tokens.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);
        var again = await tokens.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);
        clock.Advance(CodeDerivation.RetryInterval);
        var after = await tokens.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);

        Assert.Equal(first.Signer.KeyId, new JsonWebToken(during).Kid);
        Assert.Equal(first.Signer.KeyId, new JsonWebToken(again).Kid);
        Assert.Equal("Timeout", Assert.Single(failures).ErrorType);
        Assert.Equal(next.Signer.KeyId, new JsonWebToken(after).Kid);
        Assert.Equal(2, reads);
    }
}
