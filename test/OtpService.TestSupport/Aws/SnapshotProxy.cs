using System.Net.Sockets;

namespace OtpService.Tests.Support;

/// <summary>
/// A real TCP proxy in front of an emulator that plays what a SnapStart restore does to the
/// connections a process opened before its snapshot: after <see cref="Cut"/>, every connection
/// open at that moment is a black hole (bytes sent on it are swallowed, nothing ever comes back,
/// it is never closed), as a socket whose peer no longer knows it; connections opened later work.
/// It counts, per connection, the bytes the client sent after the cut, so a test can tell whether
/// the client tried a pre-snapshot connection. Not a mock: real sockets on both sides.
/// </summary>
public sealed class SnapshotProxy : IAsyncDisposable
{
    private readonly Uri _upstream;
    private readonly List<Link> _links = [];
    private readonly LoopbackListener _listener;

    /// <param name="upstream">The emulator's http://host:port.</param>
    public SnapshotProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener = new LoopbackListener(LinkAsync);
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url => _listener.Url;

    /// <summary>Connections accepted so far.</summary>
    public int Connections
    {
        get
        {
            lock (_links)
            {
                return _links.Count;
            }
        }
    }

    /// <summary>Connections accepted after the last <see cref="Cut"/> (0 before any).</summary>
    public int ConnectionsSinceCut
    {
        get
        {
            lock (_links)
            {
                return _links.Count(l => !l.Cut);
            }
        }
    }

    /// <summary>Bytes clients sent, after the cut, on connections that were open at the cut.</summary>
    public long BytesSentOnCutConnections
    {
        get
        {
            lock (_links)
            {
                return _links.Sum(l => Interlocked.Read(ref l.BytesAfterCut));
            }
        }
    }

    /// <summary>Every connection open now becomes a black hole; later ones are forwarded as usual.</summary>
    public void Cut()
    {
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.Cut = true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.Client.Dispose();
                link.Upstream.Dispose();
            }
        }
    }

    private async Task LinkAsync(Socket client, CancellationToken stopping)
    {
        var upstream = new TcpClient();
        await upstream.ConnectAsync(_upstream.Host, _upstream.Port, stopping);
        var link = new Link(new NetworkStream(client, ownsSocket: true), upstream);
        lock (_links)
        {
            _links.Add(link);
        }

        _ = PumpAsync(link, toUpstream: true, stopping);
        _ = PumpAsync(link, toUpstream: false, stopping);
    }

    private static async Task PumpAsync(Link link, bool toUpstream, CancellationToken stopping)
    {
        var from = toUpstream ? link.Client : link.Upstream.GetStream();
        var to = toUpstream ? link.Upstream.GetStream() : link.Client;
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, stopping);
                if (read == 0)
                {
                    // One side closed (an idle keep-alive timeout, say): close the other too, as a
                    // plain connection would, unless the link is a black hole, which tells nothing.
                    if (!link.Cut)
                    {
                        link.Client.Dispose();
                        link.Upstream.Dispose();
                    }

                    return;
                }

                if (link.Cut)
                {
                    // The black hole: what the client sends is counted and dropped; nothing answers.
                    if (toUpstream)
                    {
                        Interlocked.Add(ref link.BytesAfterCut, read);
                    }

                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), stopping);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection or the proxy ended.
        }
    }

    /// <summary>One relayed connection: the client's side (the stream owns the accepted socket) and the emulator's.</summary>
    private sealed class Link(NetworkStream client, TcpClient upstream)
    {
        public long BytesAfterCut;

        public NetworkStream Client { get; } = client;

        public TcpClient Upstream { get; } = upstream;

        public volatile bool Cut;
    }
}
