using System.Globalization;

namespace OtpService.Local.Emulators;

/// <summary>
/// Tells the runner when a service it depends on is gone, so it stops with one clear message
/// instead of logging connection errors forever: an emulator it started has exited (a crash,
/// <c>kill -9</c>, any exit of its own), or an endpoint the user gave has stopped accepting
/// connections for <see cref="FailuresBeforeDown"/> checks in a row (one check every <c>interval</c>).
/// An emulator ended by SIGINT or SIGTERM is no failure but a stop request
/// (<see cref="StopRequested"/>): Ctrl+C in a terminal, <c>docker stop</c> or a service manager
/// signals the runner and its emulators together, in no set order, so whichever hears it first stops the runner.
/// </summary>
internal sealed class ServiceWatch : IAsyncDisposable
{
    public const int FailuresBeforeDown = 3;

    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource<string> failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> watchers = []; // The endpoint checks; an emulator's exit is a continuation.

    public ServiceWatch(IEnumerable<EmulatorProcess> owned, IEnumerable<(string Name, Uri Endpoint)> external, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(owned);
        ArgumentNullException.ThrowIfNull(external);
        foreach (var emulator in owned)
        {
            _ = emulator.ExitedUnexpectedly.ContinueWith(
                t => EmulatorProcess.StopSignalOf(t.Result) is { } signal
                    ? stopRequested.TrySetResult(string.Create(CultureInfo.InvariantCulture,
                        $"The {emulator.Name} (pid {emulator.Pid}) was ended by {signal}, a stop request (Ctrl+C in a terminal signals every process of its group), so the runner stops too."))
                    : failed.TrySetResult(string.Create(CultureInfo.InvariantCulture,
                        $"The {emulator.Name} (pid {emulator.Pid}, port {emulator.Port}) exited with code {t.Result}: the local service cannot work without it.")
                        + (emulator.LastOutput.Length > 0 ? $"{Environment.NewLine}Its last output:{Environment.NewLine}{emulator.LastOutput}" : "")),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
        }

        var every = interval ?? TimeSpan.FromSeconds(2);
        foreach (var (name, endpoint) in external)
        {
            watchers.Add(Task.Run(() => WatchAsync(name, endpoint, every, stopping.Token)));
        }
    }

    /// <summary>Completes with a message naming the service when one is gone; never completes otherwise.</summary>
    public Task<string> Failed => failed.Task;

    /// <summary>Completes with one line naming the emulator and the signal when an emulator was ended by SIGINT or SIGTERM.</summary>
    public Task<string> StopRequested => stopRequested.Task;

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(watchers).ConfigureAwait(false);

        stopping.Dispose();
    }

    private async Task WatchAsync(string name, Uri endpoint, TimeSpan interval, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                failures = await Ports.AcceptsConnectionsAsync(endpoint, cancellationToken).ConfigureAwait(false) ? 0 : failures + 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // Disposed mid-check: DisposeAsync waits for this and must not throw.
            }

            if (failures >= FailuresBeforeDown)
            {
                failed.TrySetResult(string.Create(CultureInfo.InvariantCulture,
                    $"{name} at {endpoint} stopped accepting connections ({failures} checks in a row, {interval.TotalSeconds:0} s apart): the local service cannot work without it."));
                return;
            }
        }
    }
}
