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
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();
    private readonly LoopbackListener _listener;
    private bool _released;

    /// <param name="upstream">The emulator's http://host:port.</param>
    /// <param name="gather">How many connections must be open together before any is relayed.</param>
    public GatheringEndpoint(Uri upstream, int gather)
    {
        _upstream = upstream;
        _gather = gather;
        _listener = new LoopbackListener(AcceptedAsync);
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url => _listener.Url;

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
        await _listener.DisposeAsync();
        lock (_gate)
        {
            _held.ForEach(s => s.Dispose());
            _held.Clear();
        }
    }

    private Task AcceptedAsync(Socket socket, CancellationToken stopping)
    {
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
            _ = RelayAsync(held, stopping);
        }

        return Task.CompletedTask;
    }

    private async Task RelayAsync(Socket socket, CancellationToken stopping)
    {
        try
        {
            using var client = new NetworkStream(socket, ownsSocket: true);
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(_upstream.Host, _upstream.Port, stopping);
            var toUpstream = upstream.GetStream();
            await Task.WhenAny(client.CopyToAsync(toUpstream, stopping), toUpstream.CopyToAsync(client, stopping));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection ended.
        }
    }
}
