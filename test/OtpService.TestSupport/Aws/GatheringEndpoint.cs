using System.Net;
using System.Net.Sockets;

namespace OtpService.Tests.Support;

/// <summary>
/// A loopback port in front of an emulator that holds each connection unanswered until
/// <c>gather</c> are open at once, then relays them all (and every later one) to the emulator. Clients
/// that connect one after another, each waiting for its answer first, are never answered; clients
/// that connect together are. Real sockets, not a mock: it shows whether calls run in parallel.
/// </summary>
public sealed class GatheringEndpoint : IAsyncDisposable
{
    private readonly Uri _upstream;
    private readonly int _gather;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private bool _released;

    /// <param name="upstream">The emulator's http://host:port.</param>
    /// <param name="gather">How many connections must be open together before any is relayed.</param>
    public GatheringEndpoint(Uri upstream, int gather)
    {
        _upstream = upstream;
        _gather = gather;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url { get; }

    /// <summary>The most connections held unanswered at one time.</summary>
    public int MostHeldAtOnce { get; private set; }

    /// <summary>True once <c>gather</c> connections were open together and were relayed.</summary>
    public bool Released
    {
        get
        {
            lock (_gate)
            {
                return _released;
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
            _held.ForEach(s => s.Dispose());
            _held.Clear();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            List<Socket> relay = [];
            lock (_gate)
            {
                if (_released)
                {
                    relay.Add(socket);
                }
                else
                {
                    _held.Add(socket);
                    MostHeldAtOnce = Math.Max(MostHeldAtOnce, _held.Count);
                    if (_held.Count >= _gather)
                    {
                        _released = true;
                        relay.AddRange(_held);
                        _held.Clear();
                    }
                }
            }

            foreach (var held in relay)
            {
                _ = RelayAsync(held);
            }
        }
    }

    private async Task RelayAsync(Socket socket)
    {
        try
        {
            using var client = new NetworkStream(socket, ownsSocket: true);
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
            var toUpstream = upstream.GetStream();
            await Task.WhenAny(client.CopyToAsync(toUpstream, _stop.Token), toUpstream.CopyToAsync(client, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection ended.
        }
    }
}
