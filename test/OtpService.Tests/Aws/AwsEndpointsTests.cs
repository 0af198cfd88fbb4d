using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Aws;

public class AwsEndpointsTests
{
    /// <summary>The AWS settings the one configuration reader makes of these variables.</summary>
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

        Assert.Equal(new Uri("http://127.0.0.1:8005"), AwsEndpoints.SesV2(environment));
    }

    [Fact]
    public void SecretsManager_WithServiceAndGlobalVariables_PrefersTheServiceVariable()
    {
        var environment = Environment(
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:9000"));

        Assert.Equal(new Uri("http://127.0.0.1:9000"), AwsEndpoints.SecretsManager(environment));
    }

    [Fact]
    public void Endpoints_WithOnlyTheGlobalVariable_UseIt()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));

        Assert.Equal(new Uri("http://127.0.0.1:4566"), AwsEndpoints.SesV2(environment));
        Assert.Equal(new Uri("http://127.0.0.1:4566"), AwsEndpoints.SecretsManager(environment));
    }

    [Fact]
    public void Endpoints_WithNoVariables_AreThePublicRegionalOnes()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"));

        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com"), AwsEndpoints.SesV2(environment));
        Assert.Equal(new Uri("https://secretsmanager.eu-west-1.amazonaws.com"), AwsEndpoints.SecretsManager(environment));
    }

    [Fact]
    public void Endpoints_WithEmptyVariables_TreatThemAsUnset()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_SESV2", ""), ("AWS_ENDPOINT_URL", ""));

        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com"), AwsEndpoints.SesV2(environment));
    }

    [Fact]
    public void Endpoints_WhenConfiguredEndpointsAreIgnored_AreThePublicOnes()
    {
        var environment = Environment(
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:8005"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));

        Assert.Equal(new Uri("https://email.eu-west-1.amazonaws.com"), AwsEndpoints.SesV2(environment));
    }

    [Fact]
    public void SesV2_WithANonUrlValue_NamesTheVariable()
    {
        var environment = Environment(("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL_SESV2", "localhost:8005"));

        var error = Assert.Throws<InvalidOperationException>(() => AwsEndpoints.SesV2(environment));
        Assert.Contains("AWS_ENDPOINT_URL_SESV2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Region_PrefersAwsRegionOverAwsDefaultRegion()
    {
        Assert.Equal("eu-west-1", Environment(("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "us-east-2")).RequireRegion());
        Assert.Equal("us-east-2", Environment(("AWS_DEFAULT_REGION", "us-east-2")).RequireRegion());
    }

    [Fact]
    public void Region_WhenUnset_ThrowsNamingBothVariables()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AwsEndpoints.SesV2(Environment()));

        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_DEFAULT_REGION", error.Message, StringComparison.Ordinal);
    }
}
