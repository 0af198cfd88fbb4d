using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Bootstrap;

/// <summary>
/// For test classes that drive the runtime loop step by step: before each test a fresh
/// <see cref="FakeRuntimeApi"/> on a free port and a <see cref="RuntimeApiClient"/> on it; after it,
/// both stopped.
/// </summary>
public abstract class RuntimeApiTestBase : IAsyncLifetime
{
    /// <summary>The Runtime API stand-in of the running test.</summary>
    protected FakeRuntimeApi Api { get; private set; } = null!;

    /// <summary>Our Runtime API client, pointed at <see cref="Api"/>.</summary>
    protected RuntimeApiClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Api = FakeRuntimeApi.Start();
        Client = new RuntimeApiClient(Api.Address);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs the runtime loop as Lambda hosts it until it has handled <paramref name="invocations"/>
    /// events and asks for the next one (idle, as an environment waits between events), then stops
    /// it the way its host does: by cancelling, the loop's one way out. A loop that ends by itself
    /// (a failed init or SnapStart step) is returned as it ended.
    /// </summary>
    /// <returns>The loop's exit code.</returns>
    protected async Task<int> RunUntilIdleAsync(Func<SnapshotHooks, Func<Stream, Task<Stream>>> init, int invocations, TextWriter? log = null, bool snapStart = false)
    {
        using var host = new CancellationTokenSource();
        var run = LambdaRuntime.RunAsync(Client, init, log ?? TextWriter.Null, snapStart, TimeProvider.System, host.Token);
        using var patience = new CancellationTokenSource(Patience.Wait);
        while (!run.IsCompleted && Api.NextCalls <= invocations)
        {
            await Task.WhenAny(run, Task.Delay(20, patience.Token));
            patience.Token.ThrowIfCancellationRequested();
        }

        await host.CancelAsync();
        return await run.WaitAsync(Patience.Wait);
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await Api.DisposeAsync();
    }
}
