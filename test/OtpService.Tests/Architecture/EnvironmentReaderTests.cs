using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// One config read (issue 20): in Core, the functions and the Native AOT bootstrap, only
/// ServiceConfiguration reads the process environment (<c>ServiceConfiguration.ProcessEnvironment</c>,
/// which LambdaHost uses for the start-up variables); everything else gets typed records. The local
/// runner, which sets up the environment the functions then read, is not part of this rule.
/// </summary>
public class EnvironmentReaderTests
{
    private const string Reader = "OtpService.Core/Lambda/ServiceConfiguration.cs";
    private static readonly string[] Deployed = ["OtpService.Core", "GenerateOtp", "VerifyOtp", "SendOtpEmail", "OtpService.Bootstrap"];

    [Fact]
    public void OnlyServiceConfiguration_ReadsTheEnvironment()
    {
        var readers = Deployed
            .SelectMany(project => Directory.EnumerateFiles(RepositoryFiles.PathOf("src", project), "*.cs", SearchOption.AllDirectories))
            .Select(file => Path.GetRelativePath(RepositoryFiles.PathOf("src"), file).Replace('\\', '/'))
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal))
            .Where(file => File.ReadAllText(RepositoryFiles.PathOf("src", file)).Contains("GetEnvironmentVariable", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal([Reader], readers);
    }
}
