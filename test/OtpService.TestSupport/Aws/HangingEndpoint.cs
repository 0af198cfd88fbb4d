using System.Net.Sockets;

namespace OtpService.Tests.Support;

/// <summary>
/// A real hanging service: a TCP listener on 127.0.0.1 that accepts every connection and then
/// never reads or answers, as an overloaded or black-holed endpoint does. Not a mock: the AWS
/// clients connect, send their request and wait on a real socket. Counts the connections it took.
/// </summary>
public sealed class HangingEndpoint : IAsyncDisposable
{
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();
    private readonly LoopbackListener _listener;

    public HangingEndpoint()
    {
        _listener = new LoopbackListener(Hold);
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url => _listener.Url;

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
        await _listener.DisposeAsync();
        lock (_gate)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }
        }
    }

    private Task Hold(Socket socket, CancellationToken stopping)
    {
        lock (_gate)
        {
            _held.Add(socket);
        }

        return Task.CompletedTask;
    }
}
