using OtpService.Local.Emulators;

namespace OtpService.Tests.Integration;

/// <summary>
/// The local emulators for integration tests: dynalite and aws-ses-v2-local, started once per
/// test process on free loopback ports (so parallel test processes and a running local runner
/// never collide) and killed when the process exits. Give each test class its own table
/// (<see cref="EmulatorEndpoints.CreateTableAsync"/>) and filter mail by recipient, and tests can run in parallel.
/// </summary>
public static class EmulatorFixture
{
    private static readonly Lazy<Task<EmulatorEndpoints>> Shared = new(StartSharedAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process-wide emulators, started on first call (thread-safe; later calls get the same instance).</summary>
    public static Task<EmulatorEndpoints> StartedAsync() => Shared.Value;

    /// <summary>A private pair of emulators that the caller stops (to test start and stop themselves).</summary>
    public static async Task<OwnedEmulators> StartOwnAsync()
    {
        var host = await StartOnFreePortsAsync().ConfigureAwait(false);
        return new OwnedEmulators(host);
    }

    private static async Task<EmulatorEndpoints> StartSharedAsync()
    {
        // Stopped by EmulatorProcess's ProcessExit hook (and, if the test host is killed, by node itself when its stdin closes).
        var host = await StartOnFreePortsAsync().ConfigureAwait(false);
        return new EmulatorEndpoints(host.DynamoDbEndpoint, host.SesEndpoint, host.ProcessIds);
    }

    private static async Task<EmulatorHost> StartOnFreePortsAsync()
    {
        // A free port can be taken between choosing it and binding it; try a few fresh pairs.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var dynamo = Ports.FreePort(); // two distinct ports: the OS may hand back one just released
                return await EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = dynamo, SesPort = Ports.FreePort(dynamo) }, TimeProvider.System).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < 3 && e is PortInUseException or InvalidOperationException or TimeoutException)
            {
                // Retried on other ports.
            }
        }
    }
}

/// <summary>Emulators owned by one test; disposing them kills both processes.</summary>
public sealed class OwnedEmulators : IAsyncDisposable
{
    private readonly EmulatorHost host;

    internal OwnedEmulators(EmulatorHost host)
    {
        this.host = host;
        Endpoints = new EmulatorEndpoints(host.DynamoDbEndpoint, host.SesEndpoint, host.ProcessIds);
    }

    public EmulatorEndpoints Endpoints { get; }

    public Task StopAsync() => host.StopAsync();

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
