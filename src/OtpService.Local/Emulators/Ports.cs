using System.Net;
using System.Net.Sockets;

namespace OtpService.Local.Emulators;

/// <summary>Loopback port checks. Everything local listens on 127.0.0.1 only.</summary>
internal static class Ports
{
    // Ports handed out lately: a port just released (the probe's own listener) can come back from
    // the OS on the next probe, so two parts asking one after another could get the same one.
    private static readonly Lock Gate = new();
    private static readonly Queue<int> Recent = new();
    private const int RecentKept = 1024;

    /// <summary>
    /// A port that was free a moment ago (the OS picks it when binding port 0), never one this
    /// process was handed in its last 1,024 calls, nor one of <paramref name="except"/>.
    /// </summary>
    /// <param name="except">Ports already chosen for something else: free now, but about to be used (the OS may pick them again).</param>
    public static int FreePort(params IReadOnlyCollection<int> except)
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Gate)
            {
                if (except.Contains(port) || Recent.Contains(port))
                {
                    continue;
                }

                Recent.Enqueue(port);
                if (Recent.Count > RecentKept)
                {
                    Recent.Dequeue();
                }

                return port;
            }
        }
    }

    /// <summary>True when nothing listens on 127.0.0.1:<paramref name="port"/> (binding it succeeds).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Throws <see cref="PortInUseException"/> naming the port and what wanted it.</summary>
    public static void EnsureFree(int port, string purpose) => EnsureFree([(port, purpose, null)]);

    /// <summary>Checks every port; throws one <see cref="PortInUseException"/> naming all busy ones at once.</summary>
    public static void EnsureFree(IEnumerable<(int Port, string Purpose, string? Option)> wanted)
    {
        var busy = wanted.Where(w => !IsFree(w.Port)).ToList();
        if (busy.Count > 0)
        {
            throw new PortInUseException(busy);
        }
    }

    /// <summary>True when a TCP connection to the endpoint's host and port is accepted within 2 s.</summary>
    public static async Task<bool> AcceptsConnectionsAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>True when a TCP connection to 127.0.0.1:<paramref name="port"/> is accepted.</summary>
    public static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
