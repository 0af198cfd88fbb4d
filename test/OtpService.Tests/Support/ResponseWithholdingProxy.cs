using System.Net;
using System.Net.Sockets;

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
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed;
    private int _withheld;

    /// <param name="upstream">The emulator's http://host:port.</param>
    public ResponseWithholdingProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_*.</summary>
    public Uri Url { get; }

    /// <summary>Responses withheld so far.</summary>
    public int Withheld => Volatile.Read(ref _withheld);

    /// <summary>The next response the emulator sends (on any connection) is withheld, and the rest of its connection with it.</summary>
    public void WithholdNextResponse() => Interlocked.Increment(ref _armed);

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
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client, _stop.Token);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken stop)
    {
        try
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                await upstream.ConnectAsync(_upstream.Host, _upstream.Port, stop);
                var toClient = client.GetStream();
                var toUpstream = upstream.GetStream();
                // Either side closing ends the pair (the client drops a timed-out connection).
                await Task.WhenAny(toClient.CopyToAsync(toUpstream, stop), ForwardResponsesAsync(toUpstream, toClient, stop));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection ended.
        }
    }

    private async Task ForwardResponsesAsync(Stream from, Stream to, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        var withholding = false;
        int read;
        while ((read = await from.ReadAsync(buffer, stop)) > 0)
        {
            if (!withholding && TryDisarm())
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
