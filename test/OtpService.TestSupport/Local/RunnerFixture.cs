using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>
/// One runner process (<c>start-api</c> on free ports, with the given <c>OTP_*</c> variables) shared
/// by the tests of a class: started before the first, stopped after the last.
/// </summary>
/// <param name="environment">Variables the runner is started with, on top of the test host's.</param>
public abstract class RunnerFixture(IReadOnlyDictionary<string, string> environment) : IAsyncLifetime
{
    private LocalRunnerProcess? runner;

    /// <summary>The API's http://127.0.0.1:PORT.</summary>
    public Uri Api { get; private set; } = null!;

    /// <summary>The runner's SES emulator, read with the same helpers as the integration tests.</summary>
    public EmulatorEndpoints Mail { get; private set; } = null!;

    internal LocalRunnerProcess Runner => runner ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var (process, api, ses) = await LocalRunnerProcess.StartApiOnFreePortsAsync(environment);
        runner = process;
        Api = new Uri($"http://127.0.0.1:{api}");
        Mail = new EmulatorEndpoints(new Uri("http://127.0.0.1:1"), new Uri($"http://127.0.0.1:{ses}"), []);
    }

    public async Task DisposeAsync()
    {
        if (runner is not null)
        {
            await runner.DisposeAsync();
        }
    }
}
