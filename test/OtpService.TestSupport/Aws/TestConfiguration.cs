using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>AWS clients built as the functions build them, from a test's variables read through the one configuration reader.</summary>
public static class TestConfiguration
{
    /// <summary>The DynamoDB client a function with these variables builds (its budget included).</summary>
    public static AmazonDynamoDBClient DynamoDb(Func<string, string?> variables)
    {
        var configuration = ServiceConfiguration.Read(variables);
        return AwsClientFactory.DynamoDb(configuration.Aws, configuration.Budget);
    }

    /// <summary>The KMS client a function with these variables builds (its budget included).</summary>
    public static AmazonKeyManagementServiceClient Kms(Func<string, string?> variables)
    {
        var configuration = ServiceConfiguration.Read(variables);
        return AwsClientFactory.Kms(configuration.Aws, configuration.Budget);
    }

    /// <summary>The Secrets Manager client a function with these variables builds.</summary>
    public static SecretsManagerClient SecretsManager(Func<string, string?> variables) =>
        SecretsManagerClient.For(ServiceConfiguration.ReadAwsSettings(variables), TimeProvider.System);

    /// <summary>The OTP signing key ring as a function with these variables plans it (<see cref="SecretKeyLoader.PlanRing"/>).</summary>
    public static DeferredKey<OtpKeyRing> SigningKeys(Func<string, string?> variables)
    {
        var configuration = ServiceConfiguration.Read(variables);
        return SecretKeyLoader.PlanRing(configuration.Keys.Signing, configuration.InLambda, () => SecretsManagerClient.For(configuration.Aws, TimeProvider.System));
    }

    /// <summary>The ring's refresh source as a function with these variables builds it; null for a key given directly.</summary>
    public static IOtpKeySource? SigningKeyRefresh(Func<string, string?> variables, TimeSpan? callTimeout = null)
    {
        var configuration = ServiceConfiguration.Read(variables);
        return SecretKeyLoader.RefreshSource(configuration.Keys.Signing, () => SecretsManagerClient.For(configuration.Aws, TimeProvider.System, callTimeout));
    }

    /// <summary>The token keys read as a function with these variables reads them (<see cref="TokenSigningKeyLoader.Plan"/>, then the read).</summary>
    public static async Task<TokenSigningKeyLoader.Loaded> TokenKeysAsync(Func<string, string?> variables)
    {
        var configuration = ServiceConfiguration.Read(variables);
        var keys = await TokenSigningKeyLoader.Plan(
            configuration.Keys.Token, configuration.InLambda, () => AwsClientFactory.Kms(configuration.Aws, configuration.Budget),
            () => SecretsManagerClient.For(configuration.Aws, TimeProvider.System, configuration.Budget.KeyReadTimeout), TimeProvider.System).GetAsync(default).ConfigureAwait(false);
        return new TokenSigningKeyLoader.Loaded(keys.Signer, [.. keys.PublishedKeys.Skip(1)]);
    }
}
