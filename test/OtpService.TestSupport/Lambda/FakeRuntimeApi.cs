using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace OtpService.Tests.Bootstrap;

/// <summary>An event the fake Runtime API hands out on <c>GET /invocation/next</c>, with Lambda's headers.</summary>
public sealed record FakeInvocation(
    string RequestId,
    byte[] Payload,
    long DeadlineMs = 0,
    string? TraceId = null,
    string? FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:otp-test");

/// <summary>What the runtime posted: kind is "response", "error", "init/error" or "restore/error"; <paramref name="Status"/> is what the stand-in answered.</summary>
public sealed record RuntimePost(string Kind, string? RequestId, byte[] Body, string? ContentType, string? ErrorType, long ReceivedAt, int Status = 202)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A stand-in for Lambda's Runtime API (2018-06-01): a real HTTP server on 127.0.0.1 and a free
/// port, for the runtime loop's tests, the tests that launch the published packages, and the
/// cold-start benchmark. <c>invocation/next</c> waits until an invocation is queued (as in Lambda,
/// where it blocks while the function is idle); <c>restore/next</c> (SnapStart) waits until the test
/// calls <see cref="Restore"/>; every POST is recorded with the <see cref="Stopwatch"/> timestamp at
/// which its body had been read. A response larger than <see cref="ResponseLimitBytes"/> is refused
/// with 413, as Lambda refuses one over 6 MB. <see cref="Calls"/> lists every call in order.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/runtime/";
    private readonly HttpListener _listener;
    private readonly Channel<FakeInvocation> _pending = Channel.CreateUnbounded<FakeInvocation>();
    private readonly Channel<RuntimePost> _posts = Channel.CreateUnbounded<RuntimePost>();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _restored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _calls = new();
    private readonly Task _loop;
    private int _refuseNextResponse;

    private FakeRuntimeApi(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>host:port, as AWS_LAMBDA_RUNTIME_API carries it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Number of <c>GET /invocation/next</c> calls seen.</summary>
    public int NextCalls => Volatile.Read(ref _nextCalls);

    private int _nextCalls;

    /// <summary>Responses larger than this are answered 413 (Lambda: 6 MB; see RuntimeApiClient.MaxResponseBytes).</summary>
    public int ResponseLimitBytes { get; set; } = 6_291_556;

    /// <summary>Every call so far, in the order they arrived: "GET invocation/next", "GET restore/next", "POST response", "POST error", "POST init/error", "POST restore/error".</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    /// <summary>Number of <c>GET /restore/next</c> calls seen.</summary>
    public int RestoreCalls => Volatile.Read(ref _restoreCalls);

    private int _restoreCalls;

    /// <summary>Lets every <c>GET /restore/next</c> return: the snapshot has been "restored".</summary>
    public void Restore() => _restored.TrySetResult();

    /// <summary>The next response POST is answered with <paramref name="status"/> instead of 202 (a Runtime API that refuses it).</summary>
    public void RefuseNextResponse(int status) => Interlocked.Exchange(ref _refuseNextResponse, status);

    /// <summary>Waits until at least <paramref name="count"/> <c>GET /invocation/next</c> calls have arrived (the runtime is idle, waiting for an event).</summary>
    public async Task WaitForNextCallsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (NextCalls < count)
        {
            await Task.Delay(20, cts.Token).ConfigureAwait(false);
        }
    }

    public static FakeRuntimeApi Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new FakeRuntimeApi(listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                ((IDisposable)listener).Dispose();
            }
        }
    }

    public void Enqueue(FakeInvocation invocation) => _pending.Writer.TryWrite(invocation);

    /// <summary>The next thing the runtime posted (response, error or init error).</summary>
    public async Task<RuntimePost> NextPostAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _posts.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url?.AbsolutePath ?? "";
            if (request.HttpMethod == "GET" && path == Prefix + "restore/next")
            {
                _calls.Enqueue("GET restore/next");
                Interlocked.Increment(ref _restoreCalls);
                await _restored.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
                response.StatusCode = 200;
                response.ContentLength64 = 0;
            }
            else if (request.HttpMethod == "GET" && path == Prefix + "invocation/next")
            {
                _calls.Enqueue("GET invocation/next");
                Interlocked.Increment(ref _nextCalls);
                var invocation = await _pending.Reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                response.StatusCode = 200;
                response.ContentType = "application/json";
                response.Headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
                response.Headers["Lambda-Runtime-Deadline-Ms"] = invocation.DeadlineMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (invocation.TraceId is not null)
                {
                    response.Headers["Lambda-Runtime-Trace-Id"] = invocation.TraceId;
                }

                if (invocation.FunctionArn is not null)
                {
                    response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.FunctionArn;
                }

                response.ContentLength64 = invocation.Payload.Length;
                await response.OutputStream.WriteAsync(invocation.Payload, _stop.Token).ConfigureAwait(false);
            }
            else if (request.HttpMethod == "POST" && Classify(path) is { } post)
            {
                _calls.Enqueue($"POST {post.Kind}");
                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body, _stop.Token).ConfigureAwait(false);
                var received = Stopwatch.GetTimestamp();
                var refused = post.Kind == "response" ? Interlocked.Exchange(ref _refuseNextResponse, 0) : 0;
                response.StatusCode = refused != 0 ? refused
                    : post.Kind == "response" && body.Length > ResponseLimitBytes ? 413
                    : 202;
                _posts.Writer.TryWrite(new RuntimePost(
                    post.Kind, post.RequestId, body.ToArray(), request.ContentType, request.Headers["Lambda-Runtime-Function-Error-Type"], received, response.StatusCode));
            }
            else
            {
                response.StatusCode = 404;
            }

            response.Close();
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException)
        {
            response.Abort();
        }
    }

    private static (string Kind, string? RequestId)? Classify(string path)
    {
        if (path == Prefix + "init/error")
        {
            return ("init/error", null);
        }

        if (path == Prefix + "restore/error")
        {
            return ("restore/error", null);
        }

        const string invocation = Prefix + "invocation/";
        if (!path.StartsWith(invocation, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[invocation.Length..];
        var slash = rest.LastIndexOf('/');
        if (slash <= 0)
        {
            return null;
        }

        var kind = rest[(slash + 1)..];
        return kind is "response" or "error" ? (kind, Uri.UnescapeDataString(rest[..slash])) : null;
    }
}
