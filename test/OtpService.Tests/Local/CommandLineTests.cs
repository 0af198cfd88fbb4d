using OtpService.Local.Commands;
using Xunit;

namespace OtpService.Tests.Local;

public sealed class CommandLineTests
{
    [Fact]
    public void NoArguments_IsStartApiOnTheDefaultPorts()
    {
        var options = Assert.IsType<StartApiOptions>(CommandLine.Parse([]));

        Assert.Equal((3000, 8000, 8005, (string?)null), (options.Port, options.DynamoDbPort, options.SesPort, options.DataDirectory));
    }

    [Fact]
    public void StartApiOptions_AreRead()
    {
        var options = Assert.IsType<StartApiOptions>(CommandLine.Parse(["start-api", "--port", "3100", "--dynamodb-port", "8100", "--ses-port", "8105", "--data", ".local-data"]));

        Assert.Equal((3100, 8100, 8105, ".local-data"), (options.Port, options.DynamoDbPort, options.SesPort, options.DataDirectory));
    }

    [Fact]
    public void SitePort_DefaultsTo3001_AndIsRead()
    {
        Assert.Equal(3001, Assert.IsType<StartApiOptions>(CommandLine.Parse([])).SitePort);
        Assert.Equal(3101, Assert.IsType<StartApiOptions>(CommandLine.Parse(["--site-port", "3101"])).SitePort);
    }

    [Fact]
    public void Invoke_ReadsFunctionEventAndPorts()
    {
        var options = Assert.IsType<InvokeOptions>(CommandLine.Parse(["invoke", "GenerateOtp", "--event", "events/generate-otp.json", "--dynamodb-port", "9000"]));

        Assert.Equal(("GenerateOtp", "events/generate-otp.json", 9000, 8005), (options.Function, options.EventPath, options.DynamoDbPort, options.SesPort));
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--port", "70000")]
    [InlineData("--port")]
    [InlineData("--bogus")]
    [InlineData("--port", "8000")]
    [InlineData("--site-port", "3000")]
    [InlineData("--site-port", "0")]
    [InlineData("invoke")]
    public void BadArguments_GiveHelpWithAnError(params string[] args)
    {
        var help = Assert.IsType<HelpCommand>(CommandLine.Parse(args));

        Assert.False(string.IsNullOrEmpty(help.Error));
    }

    [Fact]
    public void Help_IsHelpWithoutError() => Assert.Null(Assert.IsType<HelpCommand>(CommandLine.Parse(["--help"])).Error);
}
