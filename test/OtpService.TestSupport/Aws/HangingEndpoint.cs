using System.Net;
using System.Net.Sockets;

namespace OtpService.Tests.Support;

/// <summary>
/// A real hanging service: a TCP listener on 127.0.0.1 that accepts every connection and then
/// never reads or answers, as an overloaded or black-holed endpoint does. Not a mock: the AWS
/// clients connect, send their request and wait on a real socket. Counts the connections it took.
/// </summary>
public sealed class HangingEndpoint : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public HangingEndpoint()
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url { get; }

    /// <summary>Connections accepted (and left hanging) so far.</summary>
    public int Connections
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        lock (_gate)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            lock (_gate)
            {
                _held.Add(socket);
            }
        }
    }
}
