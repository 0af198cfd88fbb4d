using System.Net;
using System.Net.Sockets;

namespace OtpService.Tests.Support;

/// <summary>
/// The accept loop the socket-level fault endpoints share: a TCP listener on 127.0.0.1 and a free
/// port that hands every connection it accepts to <c>accepted</c>, one at a time (the next accept
/// waits for the callback's task), until disposed. What each endpoint does with a connection (hold
/// it, drop it, relay it) is the callback's; disposing stops accepting and waits for the loop.
/// </summary>
public sealed class LoopbackListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Socket, CancellationToken, Task> _accepted;
    private readonly Task _accepting;

    /// <param name="accepted">Called with each accepted socket (now owned by the callback) and <see cref="Stopping"/>.</param>
    public LoopbackListener(Func<Socket, CancellationToken, Task> accepted)
    {
        _accepted = accepted;
        Stopping = _stop.Token;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url { get; }

    /// <summary>Cancelled when disposing starts: for the work a callback leaves running.</summary>
    public CancellationToken Stopping { get; }

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

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            await _accepted(socket, _stop.Token);
        }
    }
}
