using Microsoft.Extensions.Hosting;

namespace OtpService.Local;

/// <summary>
/// The builder of every web host the runner opens (the API, the sign-in page, the SES stand-in,
/// the DynamoDB stream proxy): <see cref="WebApplication.CreateEmptyBuilder"/> with a host lifetime
/// that handles no signals. The default one (<c>ConsoleLifetime</c>) registers SIGINT, SIGQUIT and
/// SIGTERM handlers that cancel every such signal for as long as the host exists, so a second
/// Ctrl+C during the stop would be swallowed instead of ending the process (Program.cs owns the
/// signals: the first stops cleanly, a second ends the process at once).
/// Source: https://learn.microsoft.com/dotnet/core/extensions/generic-host#ihostlifetime-interface
/// </summary>
internal static class LocalWebHost
{
    /// <summary>An empty web application builder whose host leaves SIGINT, SIGQUIT and SIGTERM to the runner.</summary>
    public static WebApplicationBuilder CreateBuilder(WebApplicationOptions options)
    {
        var builder = WebApplication.CreateEmptyBuilder(options);
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        return builder;
    }

    /// <summary>Stops <paramref name="app"/> within <paramref name="grace"/> (then hard), and disposes it.</summary>
    public static async Task StopAndDisposeAsync(WebApplication app, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(app);
        using (var within = new CancellationTokenSource(grace))
        {
            try
            {
                await app.StopAsync(within.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped hard.
            }
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Starts and stops when told to (StartAsync, StopAsync), never on a signal.</summary>
    private sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
