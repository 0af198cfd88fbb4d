using OtpService.Core.Lambda;
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

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await Api.DisposeAsync();
    }
}
