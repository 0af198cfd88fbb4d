using System.Globalization;
using System.Net.Http.Headers;

namespace OtpService.Bootstrap;

/// <summary>One event from <c>GET /runtime/invocation/next</c> and the <c>Lambda-Runtime-*</c> headers that came with it.</summary>
internal sealed record Invocation(
    string RequestId,
    byte[] Payload,
    DateTimeOffset? Deadline,
    string? TraceId,
    string? InvokedFunctionArn);

/// <summary>
/// A small client for the Lambda Runtime API (version 2018-06-01) over HTTP/1.1 on the address in
/// <c>AWS_LAMBDA_RUNTIME_API</c>: next invocation, response, invocation error, init error.
/// Errors are sent as Lambda's JSON shape, written without reflection.
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly Uri _runtime;

    /// <param name="runtimeApi">host:port, as AWS_LAMBDA_RUNTIME_API gives it.</param>
    /// <param name="handler">The HTTP stack; a plain <see cref="SocketsHttpHandler"/> unless given.</param>
    public RuntimeApiClient(string runtimeApi, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runtimeApi);
        _runtime = new Uri($"http://{runtimeApi}/2018-06-01/runtime/");
        // The next-invocation call waits as long as the function is idle: no client timeout.
        // The Runtime API is local: no proxy, and one pooled connection reused for every call.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Waits for the next event (long poll).</summary>
    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(_runtime, "invocation/next"), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var requestId = Header(response, RequestIdHeader)
            ?? throw new InvalidOperationException($"The Runtime API sent an invocation without {RequestIdHeader}.");
        DateTimeOffset? deadline = long.TryParse(Header(response, DeadlineHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        return new Invocation(requestId, payload, deadline, Header(response, TraceIdHeader), Header(response, FunctionArnHeader));
    }

    /// <summary>Sends the handler's answer for <paramref name="requestId"/>.</summary>
    public async Task PostResponseAsync(string requestId, Stream body, CancellationToken cancellationToken)
    {
        using var content = new StreamContent(body);
        content.Headers.ContentType = Json;
        using var response = await _http.PostAsync(InvocationUri(requestId, "response"), content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Reports that the handler failed on <paramref name="requestId"/>.</summary>
    public Task PostErrorAsync(string requestId, LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(InvocationUri(requestId, "error"), error, cancellationToken);

    /// <summary>Reports that the function could not be set up; Lambda then ends this environment.</summary>
    public Task PostInitErrorAsync(LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(new Uri(_runtime, "init/error"), error, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task PostErrorAsync(Uri uri, LambdaError error, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(error.ToJsonUtf8());
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, error.HeaderType);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private Uri InvocationUri(string requestId, string what) =>
        new(_runtime, $"invocation/{Uri.EscapeDataString(requestId)}/{what}");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
