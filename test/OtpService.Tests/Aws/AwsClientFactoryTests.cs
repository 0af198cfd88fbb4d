using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

public class AwsClientFactoryTests
{
    /// <summary>The AWS settings the one config read makes of these variables.</summary>
    private static AwsSettings Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(variable => variable.Name, variable => variable.Value);
        return ServiceConfiguration.ReadAwsSettings(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void SesV2_WithServiceAndGlobalVariables_PrefersTheServiceVariable()
    {
        var environment = Environment(
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:8005"));

        Assert.Equal(new Uri("http://127.0.0.1:8005"), AwsClientFactory.Endpoint(environment, Dependency.SES));
    }

    [Fact]
    public void SecretsManager_WithServiceAndGlobalVariables_PrefersTheServiceVariable()
    {
        var environment = Environment(
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:9000"));

        Assert.Equal(new Uri("http://127.0.0.1:9000"), AwsClientFactory.Endpoint(environment, Dependency.SecretsManager));
    }

    [Fact]
    public void Endpoints_WithOnlyTheGlobalVariable_UseIt()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));

        Assert.Equal(new Uri("http://127.0.0.1:4566"), AwsClientFactory.Endpoint(environment, Dependency.SES));
        Assert.Equal(new Uri("http://127.0.0.1:4566"), AwsClientFactory.Endpoint(environment, Dependency.SecretsManager));
    }

    [Fact]
    public void Endpoints_WithNoVariables_AreThePublicRegionalOnes()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"));

        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com"), AwsClientFactory.Endpoint(environment, Dependency.SES));
        Assert.Equal(new Uri("https://secretsmanager.eu-west-1.amazonaws.com"), AwsClientFactory.Endpoint(environment, Dependency.SecretsManager));
    }

    [Fact]
    public void Endpoints_WithEmptyVariables_TreatThemAsUnset()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_SESV2", ""), ("AWS_ENDPOINT_URL", ""));

        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com"), AwsClientFactory.Endpoint(environment, Dependency.SES));
    }

    [Fact]
    public void Endpoints_WhenConfiguredEndpointsAreIgnored_AreThePublicOnes()
    {
        var environment = Environment(
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:8005"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));

        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com"), AwsClientFactory.Endpoint(environment, Dependency.SES));
    }

    [Fact]
    public void SesV2_WithANonUrlValue_NamesTheVariable()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_SESV2", "localhost:8005"));

        var error = Assert.Throws<InvalidOperationException>(() => AwsClientFactory.Endpoint(environment, Dependency.SES));
        Assert.Contains("AWS_ENDPOINT_URL_SESV2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Region_PrefersAwsRegionOverAwsDefaultRegion()
    {
        Assert.Equal("eu-west-1", AwsClientFactory.Region(Environment(("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "us-east-2"))));
        Assert.Equal("us-east-2", AwsClientFactory.Region(Environment(("AWS_DEFAULT_REGION", "us-east-2"))));
    }

    [Fact]
    public void Region_WhenUnset_ThrowsNamingBothVariables()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AwsClientFactory.Endpoint(Environment(), Dependency.SES));

        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_DEFAULT_REGION", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Dependency, string> Services => new()
    {
        { Dependency.DynamoDB, "AWS_ENDPOINT_URL_DYNAMODB" },
        { Dependency.KMS, "AWS_ENDPOINT_URL_KMS" },
        { Dependency.SES, "AWS_ENDPOINT_URL_SESV2" },
        { Dependency.SecretsManager, "AWS_ENDPOINT_URL_SECRETS_MANAGER" },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void EveryClient_PrefersItsServiceVariable_ThenTheGlobalOne_ThenThePublicEndpoint(Dependency service, string variable)
    {
        var both = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"), (variable, "http://127.0.0.1:8005"));
        var global = Environment(("AWS_DEFAULT_REGION", "eu-west-2"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));
        var none = Environment(("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "us-east-2"));

        Assert.Equal(("http://127.0.0.1:8005/", "eu-west-1"), ClientEndpoint(service, both));
        Assert.Equal(("http://127.0.0.1:4566/", "eu-west-2"), ClientEndpoint(service, global));
        // The SDK clients go to the public endpoint of their region (no ServiceURL); ours name it.
        var expected = service switch
        {
            Dependency.SES => "https://email.eu-west-1.amazonaws.com/",
            Dependency.SecretsManager => "https://secretsmanager.eu-west-1.amazonaws.com/",
            _ => null,
        };
        Assert.Equal((expected, "eu-west-1"), ClientEndpoint(service, none));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void EveryClient_WithoutARegion_RefusesNamingBothVariables(Dependency service, string variable)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClientEndpoint(service, Environment((variable, "http://127.0.0.1:8005"))));

        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_DEFAULT_REGION", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SdkClients_AreBoundedByTheBudget()
    {
        var budget = InvocationBudget.ForTimeout(10);
        using var dynamoDb = AwsClientFactory.DynamoDb(Environment(("AWS_REGION", "eu-west-1")), budget);
        using var kms = AwsClientFactory.Kms(Environment(("AWS_REGION", "eu-west-1")), budget);

        Assert.Equal((budget.DynamoDbAttemptTimeout, InvocationBudget.DynamoDbMaxErrorRetry, 0, Amazon.Runtime.RequestRetryMode.Standard),
            (dynamoDb.Config.Timeout, dynamoDb.Config.MaxErrorRetry, ((Amazon.Runtime.ClientConfig)dynamoDb.Config).MaxStaleConnectionRetries, dynamoDb.Config.RetryMode));
        Assert.Equal((budget.KmsAttemptTimeout, InvocationBudget.KmsMaxErrorRetry, 0, Amazon.Runtime.RequestRetryMode.Standard),
            (kms.Config.Timeout, kms.Config.MaxErrorRetry, ((Amazon.Runtime.ClientConfig)kms.Config).MaxStaleConnectionRetries, kms.Config.RetryMode));
    }

    /// <summary>Where the client of <paramref name="service"/> made from <paramref name="environment"/> sends, and the region it signs for (the SDK clients' ServiceURL is null for their public endpoint).</summary>
    private static (string? Endpoint, string Region) ClientEndpoint(Dependency service, AwsSettings environment)
    {
        switch (service)
        {
            case Dependency.DynamoDB:
                {
                    using var client = AwsClientFactory.DynamoDb(environment, InvocationBudget.ForTimeout(10));
                    return (client.Config.ServiceURL, client.Config.AuthenticationRegion ?? client.Config.RegionEndpoint.SystemName);
                }

            case Dependency.KMS:
                {
                    using var client = AwsClientFactory.Kms(environment, InvocationBudget.ForTimeout(10));
                    return (client.Config.ServiceURL, client.Config.AuthenticationRegion ?? client.Config.RegionEndpoint.SystemName);
                }

            default:
                {
                    var (endpoint, _) = AwsClientFactory.SigV4(environment, service, "x", TimeProvider.System, null);
                    return (endpoint.ToString(), AwsClientFactory.Region(environment));
                }
        }
    }
}
