using System.Net.Sockets;
using System.Text;

namespace OtpService.Tests.Support;

/// <summary>
/// A real TCP proxy in front of an emulator that can lose a response: every request reaches the
/// emulator (which applies it), but once armed the next response is read from the emulator and
/// never passed on, so the client's attempt times out after the write was applied and the SDK
/// retries it on a new connection. This is the fault a retried non-idempotent write turns into
/// a double count; not a mock, the client and the emulator talk through real sockets.
/// </summary>
public sealed class ResponseWithholdingProxy : IAsyncDisposable
{
    private readonly Uri _upstream;
    private readonly LoopbackListener _listener;
    private int _armed;
    private int _withheld;
    private Func<string, bool>? _target;

    /// <param name="upstream">The emulator's http://host:port.</param>
    public ResponseWithholdingProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener = new LoopbackListener(Relay);
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url => _listener.Url;

    /// <summary>Responses withheld so far.</summary>
    public int Withheld => Volatile.Read(ref _withheld);

    /// <summary>The next response the emulator sends (on any connection) is withheld, and the rest of its connection with it.</summary>
    public void WithholdNextResponse() => Interlocked.Increment(ref _armed);

    /// <summary>
    /// The response to the next request that <paramref name="request"/> matches is withheld, and
    /// the rest of its connection with it (once; the SDK's retry of it passes). The predicate sees
    /// the request as sent so far, headers and body as Latin-1 text (e.g. the <c>X-Amz-Target</c>
    /// operation and an attribute name the write names), so one write of several sent together
    /// can be picked.
    /// </summary>
    public void WithholdResponseTo(Func<string, bool> request) => Volatile.Write(ref _target, request);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private Task Relay(Socket client, CancellationToken stopping)
    {
        _ = RelayAsync(client, stopping);
        return Task.CompletedTask;
    }

    private async Task RelayAsync(Socket client, CancellationToken stop)
    {
        try
        {
            using (var toClient = new NetworkStream(client, ownsSocket: true))
            using (var upstream = new TcpClient())
            {
                await upstream.ConnectAsync(_upstream.Host, _upstream.Port, stop);
                var toUpstream = upstream.GetStream();
                var connection = new Connection();
                // Either side closing ends the pair (the client drops a timed-out connection).
                await Task.WhenAny(ForwardRequestsAsync(toClient, toUpstream, connection, stop), ForwardResponsesAsync(toUpstream, toClient, connection, stop));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection ended.
        }
    }

    /// <summary>Passes requests on; marks the connection when the armed predicate matches the request in flight (before the emulator can answer it).</summary>
    private async Task ForwardRequestsAsync(Stream from, Stream to, Connection connection, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        var request = new StringBuilder();
        int read;
        while ((read = await from.ReadAsync(buffer, stop)) > 0)
        {
            // HTTP/1.1 without pipelining: a response seen since the last read means this is a new request.
            if (Interlocked.Exchange(ref connection.ResponseSeen, 0) == 1)
            {
                request.Clear();
            }

            request.Append(Encoding.Latin1.GetString(buffer, 0, read));
            if (Volatile.Read(ref _target) is { } target && target(request.ToString())
                && Interlocked.CompareExchange(ref _target, null, target) == target)
            {
                Volatile.Write(ref connection.WithholdResponse, 1);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stop);
        }
    }

    private async Task ForwardResponsesAsync(Stream from, Stream to, Connection connection, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        var withholding = false;
        int read;
        while ((read = await from.ReadAsync(buffer, stop)) > 0)
        {
            Volatile.Write(ref connection.ResponseSeen, 1);
            if (!withholding && (Volatile.Read(ref connection.WithholdResponse) == 1 || TryDisarm()))
            {
                withholding = true;
                Interlocked.Increment(ref _withheld);
            }

            if (!withholding)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), stop);
            }
        }
    }

    private sealed class Connection
    {
        public int WithholdResponse;
        public int ResponseSeen;
    }

    private bool TryDisarm()
    {
        int armed;
        do
        {
            armed = Volatile.Read(ref _armed);
            if (armed == 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _armed, armed - 1, armed) != armed);
        return true;
    }
}
