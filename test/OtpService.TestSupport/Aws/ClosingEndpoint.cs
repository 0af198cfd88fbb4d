using System.Net.Sockets;
using System.Text;

namespace OtpService.Tests.Support;

/// <summary>
/// A real dropping service: a TCP listener on 127.0.0.1 that accepts every connection, reads the
/// whole HTTP request (headers and Content-Length body) and closes the connection without a byte
/// of answer, as a load balancer that drops a request does. The client reads the end of the stream
/// where a status line should be ("The response ended prematurely"). Not a mock: the AWS clients
/// connect, send and read on real sockets. Counts the connections it took.
/// </summary>
public sealed class ClosingEndpoint : IAsyncDisposable
{
    private readonly LoopbackListener _listener;
    private int _connections;

    public ClosingEndpoint()
    {
        _listener = new LoopbackListener(Drop);
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url => _listener.Url;

    /// <summary>Connections accepted (each read and closed unanswered) so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private Task Drop(Socket socket, CancellationToken stopping)
    {
        Interlocked.Increment(ref _connections);
        _ = DropAsync(socket, stopping);
        return Task.CompletedTask;
    }

    private static async Task DropAsync(Socket socket, CancellationToken stopping)
    {
        using (socket)
        {
            try
            {
                await ReadRequestAsync(socket, stopping);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client gave up first, or the endpoint is stopping.
            }
        }
    }

    /// <summary>Reads up to the end of the headers, then as many body bytes as Content-Length says.</summary>
    private static async Task ReadRequestAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(received)) < 0)
        {
            var n = await socket.ReceiveAsync(buffer, cancellationToken);
            if (n == 0)
            {
                return;
            }

            received.AddRange(buffer.AsSpan(0, n));
        }

        var headers = Encoding.ASCII.GetString(received.ToArray(), 0, headerEnd);
        var length = headers.Split("\r\n").Select(h => h.Split(':', 2)).Where(h => h.Length == 2 && h[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var body = received.Count - (headerEnd + 4);
        while (body < length)
        {
            var n = await socket.ReceiveAsync(buffer, cancellationToken);
            if (n == 0)
            {
                return;
            }

            body += n;
        }
    }

    private static int IndexOfHeaderEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
