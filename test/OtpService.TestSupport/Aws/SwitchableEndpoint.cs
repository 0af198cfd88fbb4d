using System.Net;
using System.Net.Sockets;
using OtpService.Local.Emulators;

namespace OtpService.Tests.Support;

/// <summary>
/// A real dependency that goes down and comes back on one address: a loopback port in front of an
/// emulator that either refuses connections (nothing listens), accepts them and never answers (a
/// hanging service), or relays them to the emulator (the service is back). Not a mock: the clients
/// connect, send and wait on real sockets, and in <see cref="Mode.Forwarding"/> talk to the real emulator.
/// </summary>
public sealed class SwitchableEndpoint : IAsyncDisposable
{
    private volatile Uri _upstream;
    private readonly int _port;
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accepting;
    private volatile Mode _mode;
    private int _connections;

    /// <param name="upstream">The emulator's http://host:port.</param>
    /// <param name="mode">How the endpoint starts.</param>
    public SwitchableEndpoint(Uri upstream, Mode mode)
    {
        _upstream = upstream;
        _port = Ports.FreePort();
        Url = new Uri($"http://127.0.0.1:{_port}");
        _mode = mode;
        if (mode != Mode.Refusing)
        {
            Listen();
        }
    }

    /// <summary>What the endpoint does with a connection.</summary>
    public enum Mode
    {
        /// <summary>Nothing listens: every connection is refused.</summary>
        Refusing,

        /// <summary>Every connection is accepted and left unanswered.</summary>
        Hanging,

        /// <summary>Every connection is relayed to the emulator.</summary>
        Forwarding,
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url { get; }

    /// <summary>Connections accepted so far (hanging or relayed).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>
    /// Relays new connections to <paramref name="upstream"/> from now on (another real part, or a
    /// fault of its own: a dropping, hanging or refusing endpoint); connections already relayed keep
    /// their upstream, so a client's pooled connection must be renewed to meet it.
    /// </summary>
    public Task ForwardToAsync(Uri upstream)
    {
        _upstream = upstream ?? throw new ArgumentNullException(nameof(upstream));
        return SetAsync(Mode.Forwarding);
    }

    /// <summary>Switches what new connections meet; hanging connections are closed when it stops hanging.</summary>
    public async Task SetAsync(Mode mode)
    {
        _mode = mode;
        if (mode != Mode.Hanging)
        {
            ReleaseHeld();
        }

        if (mode == Mode.Refusing)
        {
            await StopListeningAsync();
        }
        else if (_listener is null)
        {
            Listen();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync();
        ReleaseHeld();
    }

    private void Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, _port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _stop = new CancellationTokenSource();
        _accepting = AcceptAsync(listener, _stop.Token);
    }

    private async Task StopListeningAsync()
    {
        if (_listener is null)
        {
            return;
        }

        await _stop!.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting!;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
        (_listener, _stop, _accepting) = (null, null, null);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var socket = await listener.AcceptSocketAsync(stop);
            Interlocked.Increment(ref _connections);
            if (_mode == Mode.Hanging)
            {
                lock (_gate)
                {
                    _held.Add(socket);
                }
            }
            else
            {
                _ = RelayAsync(socket, stop);
            }
        }
    }

    private async Task RelayAsync(Socket socket, CancellationToken stop)
    {
        try
        {
            using var client = new NetworkStream(socket, ownsSocket: true);
            using var upstream = new TcpClient();
            var target = _upstream;
            await upstream.ConnectAsync(target.Host, target.Port, stop);
            var toUpstream = upstream.GetStream();
            // Either side closing ends the pair.
            await Task.WhenAny(client.CopyToAsync(toUpstream, stop), toUpstream.CopyToAsync(client, stop));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection ended.
        }
    }

    private void ReleaseHeld()
    {
        lock (_gate)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }

            _held.Clear();
        }
    }
}
