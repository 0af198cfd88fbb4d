using OtpService.Local.Commands;
using Xunit;

namespace OtpService.Tests.Local;

public sealed class CommandLineTests
{
    [Fact]
    public void NoArguments_IsStartApiOnTheDefaultPorts()
    {
        var options = Assert.IsType<StartApiOptions>(CommandLine.Parse([]));

        // --dynamodb-port unset: 8000 in front of dynalite (StartApiOptions.DefaultDynamoDbPort).
        Assert.Equal((3000, 3001, (int?)null, 8005, (string?)null), (options.Port, options.SitePort, options.DynamoDbPort, options.SesPort, options.DataDirectory));
        Assert.Equal(8000, StartApiOptions.DefaultDynamoDbPort);
        Assert.Equal(new ServiceEndpoints(), options.Endpoints);
    }

    [Fact]
    public void StartApiOptions_AreRead()
    {
        var options = Assert.IsType<StartApiOptions>(CommandLine.Parse(["start-api", "--port", "3100", "--site-port", "3101", "--dynamodb-port", "8100", "--ses-port", "8105", "--data", ".local-data", "--env-vars", "events/env.json"]));

        Assert.Equal((3100, 3101, (int?)8100, 8105, ".local-data", "events/env.json"), (options.Port, options.SitePort, options.DynamoDbPort, options.SesPort, options.DataDirectory, options.EnvVarsPath));
    }

    [Fact]
    public void SitePort_IsReadWithoutTheStartApiWord()
    {
        Assert.Equal(3101, Assert.IsType<StartApiOptions>(CommandLine.Parse(["--site-port", "3101"])).SitePort);
    }

    [Fact]
    public void Invoke_ReadsFunctionEventAndPorts()
    {
        var options = Assert.IsType<InvokeOptions>(CommandLine.Parse(["invoke", "GenerateOtp", "--event", "events/generate-otp.json", "--dynamodb-port", "9000"]));

        Assert.Equal(("GenerateOtp", "events/generate-otp.json", 9000, 8005), (options.Function, options.EventPath, options.DynamoDbPort, options.SesPort));
    }

    [Fact]
    public void Invoke_FunctionNameIsCaseInsensitive_AndEventHasAShortForm()
    {
        var options = Assert.IsType<InvokeOptions>(CommandLine.Parse(["invoke", "verifyotp", "-e", "-"]));

        Assert.Equal(("VerifyOtp", "-"), (options.Function, options.EventPath));
    }

    [Fact]
    public void Endpoints_PerService_OverrideTheCommonOne()
    {
        var options = Assert.IsType<StartApiOptions>(CommandLine.Parse(["--endpoint", "http://127.0.0.1:5000", "--ses-endpoint", "http://127.0.0.1:8005"]));

        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.Endpoints.DynamoDb);
        Assert.Equal(new Uri("http://127.0.0.1:8005"), options.Endpoints.Ses);
        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.Endpoints.Kms);
        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.Endpoints.SecretsManager);
    }

    [Fact]
    public void Invoke_TakesTheSameEndpointOptions()
    {
        var options = Assert.IsType<InvokeOptions>(CommandLine.Parse(["invoke", "GenerateOtp", "--dynamodb-endpoint", "http://localhost:4566", "--kms-endpoint", "https://kms.local:1"]));

        Assert.Equal(new Uri("http://localhost:4566"), options.Endpoints.DynamoDb);
        Assert.Null(options.Endpoints.Ses);
        Assert.Equal(new Uri("https://kms.local:1"), options.Endpoints.Kms);
    }

    [Fact]
    public void APortTakenByAnEndpoint_IsNotAClash()
    {
        // With its own DynamoDB, dynalite's default port is not listened on... but the stream proxy may be; only listened ports must differ.
        var options = Assert.IsType<StartApiOptions>(CommandLine.Parse(["--ses-endpoint", "http://127.0.0.1:9", "--ses-port", "3000", "--port", "3000"]));

        Assert.Equal(3000, options.Port);
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--port", "70000")]
    [InlineData("--port", "0")]
    [InlineData("--port")]
    [InlineData("--bogus")]
    [InlineData("--port", "8000")]
    [InlineData("--ses-port", "3000")]
    [InlineData("--site-port", "3000")]
    [InlineData("--site-port", "8000")]
    [InlineData("--port", "3001")]
    [InlineData("--site-port", "0")]
    [InlineData("--site-port", "x")]
    [InlineData("invoke", "GenerateOtp", "--site-port", "3101")]
    [InlineData("invoke")]
    [InlineData("invoke", "NoSuchFunction")]
    [InlineData("invoke", "GenerateOtp", "--dynamodb-port", "8005")]
    [InlineData("--dynamodb-endpoint", "127.0.0.1:8000")]
    [InlineData("--ses-endpoint", "ftp://127.0.0.1:8005")]
    [InlineData("--endpoint", "not a url")]
    [InlineData("invoke", "GenerateOtp", "--kms-endpoint", "/relative")]
    public void BadArguments_GiveHelpWithAnError(params string[] args)
    {
        var help = Assert.IsType<HelpCommand>(CommandLine.Parse(args));

        Assert.False(string.IsNullOrEmpty(help.Error));
    }

    [Fact]
    public void ClashingPorts_AreNamedInTheError()
    {
        var help = Assert.IsType<HelpCommand>(CommandLine.Parse(["--port", "8005"]));

        Assert.Contains("--port", help.Error, StringComparison.Ordinal);
        Assert.Contains("--ses-port", help.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SitePortClashingWithTheSesEmulator_IsNamedInTheError()
    {
        var help = Assert.IsType<HelpCommand>(CommandLine.Parse(["start-api", "--site-port", "8005"]));

        Assert.Contains("--site-port and --ses-port are both 8005", help.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("invoke", "--help")]
    public void Help_IsHelpWithoutError(params string[] args) => Assert.Null(Assert.IsType<HelpCommand>(CommandLine.Parse(args)).Error);

    [Theory]
    [InlineData(false, "aot-template")]
    [InlineData(true, "aot-template", "--check")]
    public void AotTemplate_ParsesWithItsCheckFlag(bool check, params string[] args) =>
        Assert.Equal(new AotTemplateOptions(check), CommandLine.Parse(args));

    [Fact]
    public void Help_ListsEveryOption()
    {
        using var output = new StringWriter();

        CommandLine.WriteHelp(Assert.IsType<HelpCommand>(CommandLine.Parse(["--help"])).Parsed, output);

        foreach (var option in new[] { "--port", "--site-port", "--dynamodb-port", "--ses-port", "--data", "--env-vars", "--endpoint", "--dynamodb-endpoint", "--ses-endpoint", "--kms-endpoint", "--secrets-manager-endpoint", "invoke", "aot-template" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }
    }
}
