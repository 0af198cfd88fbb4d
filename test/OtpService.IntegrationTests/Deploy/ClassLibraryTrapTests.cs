using System.Diagnostics;
using OtpService.Local.Template;
using OtpService.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Deploy;

/// <summary>
/// Why the functions are executables and not class libraries. For a class-library Handler
/// (Assembly::Type::Method) AWS's bootstrap.sh starts its own host,
/// <c>dotnet exec --depsfile A.deps.json --runtimeconfig A.runtimeconfig.json /var/runtime/Amazon.Lambda.RuntimeSupport.dll HANDLER</c>:
/// the host's trusted assemblies are then the function's deps.json plus the framework, and
/// RuntimeSupport needs Amazon.Lambda.Core, which our packages cannot carry (our package source
/// does not serve it). Here a stand-in host (test/OtpService.Tests.ClassLibraryHost, which needs
/// System.CommandLine as RuntimeSupport needs Amazon.Lambda.Core) is started by exactly that
/// command against our real package, and dies before it reads an event.
/// </summary>
[Collection(PublishedPackages.Name)]
public sealed class ClassLibraryTrapTests(SamBuildFixture build, ITestOutputHelper output)
{
    private static readonly string HostDll = Path.Combine(AppContext.BaseDirectory, "OtpService.Tests.ClassLibraryHost.dll");

    [Fact]
    public async Task TheClassLibraryForm_StartedWithOurPackagesDepsJson_CannotLoadItsHostsOwnAssembly()
    {
        var published = build.Built(SamBuildFixture.ManagedTemplate, "GenerateOtpFunction");
        var deps = File.ReadAllText(Path.Combine(published.ArtifactsDir, $"{published.Handler}.deps.json"));
        Assert.DoesNotContain("System.CommandLine", deps, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "System.CommandLine.dll")), "the stand-in host's own dependency sits beside it, as Amazon.Lambda.Core sits beside RuntimeSupport");

        // Control: the same host, started with its own deps.json, gets past loading its dependency.
        var control = await RunAsync(LambdaLaunch.Dotnet, [HostDll, "--help"]);
        Assert.True(control.ExitCode == 0, $"the stand-in host should start on its own: {control.Error}");

        // bootstrap.sh's class-library command, the stand-in in RuntimeSupport's place.
        var command = LambdaLaunch.For("dotnet10", "GenerateOtp::GenerateOtp.Function::FunctionHandler", published.ArtifactsDir, LambdaLaunch.Dotnet);
        Assert.Equal("class-library", command.Form);
        var arguments = command.Arguments.Select(a => a == LambdaLaunch.RuntimeSupportPath ? HostDll : a).ToList();
        var trapped = await RunAsync(command.FileName, arguments);

        output.WriteLine($"{command.FileName} {string.Join(' ', arguments)} -> exit {trapped.ExitCode}\n{trapped.Error}");
        Assert.NotEqual(0, trapped.ExitCode);
        Assert.Contains("Could not load file or assembly 'System.CommandLine", trapped.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("handler loaded", trapped.Output, StringComparison.Ordinal);
    }

    /// <summary>So nobody walks back into it: no function of either template uses the class-library form.</summary>
    [Theory]
    [InlineData(SamBuildFixture.ManagedTemplate)]
    [InlineData(SamBuildFixture.AotTemplate)]
    public void NoTemplateHandler_IsTheClassLibraryForm(string template)
    {
        foreach (var (id, function) in CfnTemplate.Load(RepositoryFiles.PathOf(template)).Resources("AWS::Serverless::Function"))
        {
            var handler = function["Properties"]?["Handler"]?.Value ?? "";
            Assert.False(handler.Contains(':', StringComparison.Ordinal), $"{template} {id}: Handler '{handler}' is the class-library form, which needs Amazon.Lambda.Core in the package.");
            Assert.Equal(id.Replace("Function", "", StringComparison.Ordinal), handler);
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience.Wait);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A plain SIGKILL: the launch has no children, and a tree kill SIGSTOPs first.
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
