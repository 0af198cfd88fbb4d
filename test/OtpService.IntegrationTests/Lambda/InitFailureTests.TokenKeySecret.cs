using OtpService.Tests.Aws;
using OtpService.Tests.Integration;
using System.Security.Cryptography;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using OtpService.Tests.Tokens;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Issue 22 item 1 through the functions as Lambda builds them: the token key in the template's default
/// store (TokenSigningKeyStore SecretsManager, an empty secret in moto's Secrets Manager), no KMS at all.
/// </summary>
public partial class InitFailureTests
{
    /// <summary>The stack with the token key in a Secrets Manager secret (empty unless <paramref name="tokenKeyValue"/> is given) and no KMS key.</summary>
    private async Task<(Dictionary<string, string> Env, string TokenSecretArn)> SecretKeyStackAsync(string? tokenKeyValue = null)
    {
        var env = await StackAsync(tokenKeyId: "unused");
        env.Remove(TokenSigningKeyLoader.KmsKeyVariable);
        env.Remove(AwsSettings.KmsEndpointVariable);
        using var secrets = new MotoSecrets(_moto);
        var arn = await secrets.CreateEmptySecretAsync($"otp-token-key-{Guid.NewGuid():N}");
        if (tokenKeyValue is not null)
        {
            await secrets.PutSecretValueAsync(arn, tokenKeyValue);
        }

        env[TokenSigningKeyLoader.SecretArnVariable] = arn;
        return (env, arn);
    }

    [SkippableFact]
    public async Task WithTheKeyInSecretsManager_VerifySignsWithoutKms_AndTheTokenValidatesAgainstItsJwks_AndNoKeyIsLogged()
    {
        var (env, arn) = await SecretKeyStackAsync();
        var address = $"secret-key-{Guid.NewGuid():N}@example.com";
        var generate = new GenerateOtp.Function(Services(env, 10));
        var send = new SendOtpEmail.Function(Services(env, 30));
        Assert.Equal(202, (await GenerateAsync(generate, address)).StatusCode);
        Assert.Empty((await SendAsync(send, address)).Failures);
        var code = await CodeMailedToAsync(address);

        // No KMS key configured: the token is signed in memory with the secret's key.
        var verify = new VerifyOtp.Function(Services(env, 10));
        var verified = await VerifyAsync(verify, address, code);
        var jwks = await JwksAsync(verify);

        Assert.Equal((200, "verified"), (verified.StatusCode, verified.Status));
        Assert.Equal(200, jwks.StatusCode);
        var result = await TokenTestKeys.ValidateAsync(
            verified.Body.GetProperty("token").GetString()!,
            TokenTestKeys.Expecting(jwks.Body.GetRawText(), "https://otp.example.com", "https://otp.example.com"));
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Empty(Lines("level", "ERROR"));

        // The key the first start wrote, read back the way an operator would: not one line of it in any log line.
        var stored = await SecretsManagerClient.For(ServiceConfiguration.ReadAwsSettings(env.GetValueOrDefault), TimeProvider.System).GetSecretStringAsync(arn, default);
        Assert.Contains("BEGIN PRIVATE KEY", stored, StringComparison.Ordinal);
        SecretsManagerTokenKeysTests.AssertNoPartOf(stored, _logs.ToString(), "the token signing key");
    }

    [SkippableFact]
    public async Task AWrongCurveKeyInTheSecret_IsRefusedAtInit_NamingTheSecret_AndVerifyAnswers500_WithNoKeyInTheLog()
    {
        string p384;
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            p384 = key.ExportPkcs8PrivateKeyPem();
        }

        var (env, arn) = await SecretKeyStackAsync(p384);

        var verify = new VerifyOtp.Function(Services(env, 10));

        var refused = Assert.Single(Lines("event", "key_read_failed"));
        Assert.Equal(("ERROR", "token keys", "configuration"), (refused.GetProperty("level").GetString(), refused.GetProperty("key").GetString(), refused.GetProperty("failureClass").GetString()));
        Assert.Contains(arn, refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        var jwks = await JwksAsync(verify);
        Assert.Equal((500, "internal_error"), (jwks.StatusCode, jwks.Status));
        SecretsManagerTokenKeysTests.AssertNoPartOf(p384, _logs.ToString(), "the refused key");
    }
}
