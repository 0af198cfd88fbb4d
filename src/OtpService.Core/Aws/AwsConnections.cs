using System.Net;
using Amazon.Runtime;

namespace OtpService.Core.Aws;

/// <summary>
/// The HTTP connection pools of every AWS call the functions make (the SDK's DynamoDB and KMS
/// clients through <see cref="SdkHttpClients"/>, the signed Secrets Manager and SES calls through
/// <see cref="CreateHandler"/>), and the one way to drop them all: <see cref="Renew"/>.
/// </summary>
/// <remarks>
/// Why: under SnapStart, Lambda snapshots the process after init and restores copies of it later,
/// elsewhere. A connection pooled before the snapshot (init's Secrets Manager and KMS reads, the
/// warm-up's DynamoDB read) is then a socket whose peer no longer knows it: a request sent on it
/// may get a reset, or no answer until the call's timeout. AWS: state of connections made during
/// init "isn't guaranteed" after a restore; re-establish them
/// (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html#snapstart-networking).
/// The runtime loop calls <see cref="Renew"/> after each restore, so the first call of a restored
/// copy opens a fresh connection (fresh DNS answer, fresh TLS) instead of trying a dead one.
/// </remarks>
public static class AwsConnections
{
    private static readonly List<WeakReference<RenewableHandler>> Handlers = [];

    /// <summary>For <see cref="ClientConfig.HttpClientFactory"/>: the SDK's own HttpClient settings over a renewable pool.</summary>
    public static HttpClientFactory SdkHttpClients { get; } = new SdkFactory();

    /// <summary>Connection pools replaced so far by <see cref="Renew"/> (0 until the first restore).</summary>
    public static int Renewals => Volatile.Read(ref renewals);

    private static int renewals;

    /// <summary>
    /// A handler for AWS calls whose connection pool <see cref="Renew"/> replaces. Each pool is a
    /// <see cref="SocketsHttpHandler"/> made by <paramref name="configure"/> on a fresh instance.
    /// </summary>
    public static HttpMessageHandler CreateHandler(Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new RenewableHandler(() =>
        {
            var sockets = new SocketsHttpHandler();
            configure?.Invoke(sockets);
            return sockets;
        });
        lock (Handlers)
        {
            Handlers.RemoveAll(h => !h.TryGetTarget(out _));
            Handlers.Add(new WeakReference<RenewableHandler>(handler));
        }

        return handler;
    }

    /// <summary>
    /// Retires every pooled connection made through these handlers: each handler sends from now on
    /// through a new, empty pool, so no later call uses a connection made before. The old pool is
    /// not disposed: a call still under way on it (none in Lambda after a restore; possible in a
    /// process that shares these handlers, such as the tests) finishes normally, and its sockets
    /// are closed when it is collected.
    /// </summary>
    public static void Renew()
    {
        List<RenewableHandler> live = [];
        lock (Handlers)
        {
            foreach (var reference in Handlers)
            {
                if (reference.TryGetTarget(out var handler))
                {
                    live.Add(handler);
                }
            }
        }

        foreach (var handler in live)
        {
            handler.Renew();
            Interlocked.Increment(ref renewals);
        }
    }

    /// <summary>Sends through the current pool; <see cref="Renew"/> swaps in a new one.</summary>
    private sealed class RenewableHandler(Func<SocketsHttpHandler> create) : HttpMessageHandler
    {
        private HttpMessageInvoker _current = new(create(), disposeHandler: true);

        public void Renew() => Volatile.Write(ref _current, new HttpMessageInvoker(create(), disposeHandler: true));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Volatile.Read(ref _current).SendAsync(request, cancellationToken);

        // The SDK's synchronous calls use Send.
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Volatile.Read(ref _current).Send(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Volatile.Read(ref _current).Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// The HttpClient AWSSDK.Core would build for a config (HttpRequestMessageFactory.CreateManagedHttpClient,
    /// aws/aws-sdk-net: connect timeout, connections per server, redirects as configured, no automatic
    /// decompression, multiple HTTP/2 connections, HttpClient.Timeout = the config's Timeout), over a
    /// renewable pool. The SDK caches it (one per distinct setting string), as it caches its own.
    /// </summary>
    private sealed class SdkFactory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            ArgumentNullException.ThrowIfNull(clientConfig);
            var proxy = clientConfig.GetWebProxy();
            var handler = CreateHandler(sockets =>
            {
                sockets.EnableMultipleHttp2Connections = true;
                sockets.AllowAutoRedirect = clientConfig.AllowAutoRedirect;
                sockets.AutomaticDecompression = DecompressionMethods.None;
                if (clientConfig.ConnectTimeout is { } connect)
                {
                    sockets.ConnectTimeout = connect;
                }

                if (clientConfig.MaxConnectionsPerServer is { } max)
                {
                    sockets.MaxConnectionsPerServer = max;
                }

                if (proxy is not null)
                {
                    sockets.Proxy = proxy;
                }
            });
            var client = new HttpClient(handler, disposeHandler: true);
            if (clientConfig.Timeout is { } timeout)
            {
                client.Timeout = timeout;
            }

            return client;
        }

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string GetConfigUniqueString(IClientConfig clientConfig)
        {
            ArgumentNullException.ThrowIfNull(clientConfig);
            return string.Join(
                ':',
                "otpservice-renewable",
                clientConfig.Timeout?.Ticks,
                clientConfig.ConnectTimeout?.Ticks,
                clientConfig.MaxConnectionsPerServer,
                clientConfig.AllowAutoRedirect,
                clientConfig.GetWebProxy()?.GetProxy(new Uri("https://aws.amazon.com/")));
        }
    }
}
