using OtpService.Local.Lambda;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>--env-vars: the file shape and rule of `sam local invoke --env-vars`, on events/env.json and small files.</summary>
public sealed class EnvVarsFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("otp-env-vars-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void RepositoryEnvJson_AppliesWhatTheTemplateDeclares_AndIgnoresTheRest_AsSamDoes()
    {
        var environments = FunctionEnvironments.From(Path.Combine(LocalRunnerProcess.RepositoryRootPath, "events", "env.json"), SamTemplate.Load(_ => null));

        var send = environments.For("SendOtpEmail");
        Assert.Equal("otp_holder", send("OTP_TABLE_NAME"));
        Assert.Equal("Simple Website", send("OTP_APP_NAME"));
        Assert.Equal("no-reply@example.com", send("OTP_SENDER_ADDRESS"));

        // Not declared in template.yaml: SAM ignores them, and so does the runner (it sets its own endpoints).
        Assert.NotEqual("http://host.docker.internal:8000", send("AWS_ENDPOINT_URL_DYNAMODB"));
        Assert.Contains(environments.Notes, n => n.StartsWith("SendOtpEmail: ignored", StringComparison.Ordinal) && n.Contains("AWS_ENDPOINT_URL_DYNAMODB", StringComparison.Ordinal));
    }

    [Fact]
    public void FunctionSection_WinsOverParameters_AndReachesOnlyItsFunction()
    {
        var path = Write("""
            {
              "Parameters": { "OTP_TTL_SECONDS": 60, "OTP_APP_NAME": "All" },
              "SendOtpEmailFunction": { "OTP_APP_NAME": "Mailer" },
              "VerifyOtp": { "OTP_MAX_ATTEMPTS": "3" }
            }
            """);

        var environments = FunctionEnvironments.From(path, SamTemplate.Load(_ => null));

        Assert.Equal("60", environments.For("GenerateOtp")("OTP_TTL_SECONDS"));
        Assert.Equal("Mailer", environments.For("SendOtpEmail")("OTP_APP_NAME"));
        Assert.Equal("3", environments.For("VerifyOtp")("OTP_MAX_ATTEMPTS"));
        Assert.Null(environments.For("GenerateOtp")("OTP_MAX_ATTEMPTS"));
        // OTP_APP_NAME is declared for SendOtpEmail only.
        Assert.Null(environments.For("GenerateOtp")("OTP_APP_NAME"));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"Parameters": "x"}""")]
    [InlineData("""{"Parameters": {"OTP_TTL_SECONDS": {"nested": 1}}}""")]
    [InlineData("""{"Parameters": {"OTP_TTL_SECONDS": null}}""")]
    [InlineData("not json")]
    public void MalformedFile_IsRefusedNamingTheFile(string content)
    {
        var path = Write(content);

        var error = Assert.Throws<InvalidOperationException>(() => FunctionEnvironments.From(path, SamTemplate.Load(_ => null)));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_IsRefusedNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EnvVarsFile.Read(Path.Combine(dir, "nope.json")));

        Assert.Contains("nope.json", error.Message, StringComparison.Ordinal);
    }

    private string Write(string content)
    {
        var path = Path.Combine(dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }
}
