using System.Net;
using System.Net.Sockets;

namespace OtpService.Local.Emulators;

/// <summary>Loopback port checks. Everything local listens on 127.0.0.1 only.</summary>
internal static class Ports
{
    /// <summary>A port that was free a moment ago (the OS picks it when binding port 0).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
    public static void EnsureFree(int port, string purpose)
    {
        if (!IsFree(port))
        {
            throw new PortInUseException(port, purpose);
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

/// <summary>A port the local runner or an emulator needs is taken by another process.</summary>
internal sealed class PortInUseException(int port, string purpose)
    : InvalidOperationException($"Port {port} ({purpose}) is already in use on 127.0.0.1. Stop what uses it, or choose another port.")
{
    public int Port { get; } = port;
}
