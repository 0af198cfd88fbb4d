using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace OtpService.Core.Lambda;

/// <summary>
/// A small client for the Lambda Runtime API, version 2018-06-01
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), over HTTP/1.1 on the address in
/// <c>AWS_LAMBDA_RUNTIME_API</c>: next invocation, response, invocation error, init error, and for
/// SnapStart <c>/runtime/restore/next</c> and <c>/runtime/restore/error</c> (paths and error content
/// type as Amazon.Lambda.RuntimeSupport's Client/InternalClientAdapted.cs uses them).
/// </summary>
public sealed class RuntimeApiClient : IDisposable
{
    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    /// <summary>The error body's media type (the Runtime API's OpenAPI document, "A note on error reporting").</summary>
    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";

    /// <summary>
    /// The largest response Lambda passes on for a synchronous invocation: 6 MB, which Lambda's own
    /// refusal spells as "Response payload size exceeded maximum allowed payload size (6291556 bytes)"
    /// (errorType Function.ResponseSizeTooLarge; quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    /// </summary>
    public const int MaxResponseBytes = 6_291_556;

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue ErrorJson = new(ErrorContentType);
    private readonly HttpClient _http;
    private readonly Uri _runtime;

    /// <param name="runtimeApi">host:port, as AWS_LAMBDA_RUNTIME_API gives it.</param>
    /// <param name="handler">The HTTP stack; a plain <see cref="SocketsHttpHandler"/> unless given.</param>
    public RuntimeApiClient(string runtimeApi, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runtimeApi);
        _runtime = new Uri($"http://{runtimeApi}/2018-06-01/runtime/");
        // The next-invocation call waits as long as the function is idle (and, under SnapStart, the
        // restore wait as long as the snapshot is stored): no client timeout. The Runtime API is
        // local: no proxy, and one pooled connection reused for every call.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Waits for the next event (long poll).</summary>
    /// <exception cref="RuntimeApiException">Any answer but 200, or one without a request id.</exception>
    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(_runtime, "invocation/next"), cancellationToken).ConfigureAwait(false);
        await EnsureStatusAsync(response, "GET /runtime/invocation/next", cancellationToken).ConfigureAwait(false);
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var requestId = Header(response, RequestIdHeader)
            ?? throw new RuntimeApiException($"The Runtime API sent an invocation without {RequestIdHeader}.");
        DateTimeOffset? deadline = long.TryParse(Header(response, DeadlineHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        return new Invocation(requestId, payload, deadline, Header(response, TraceIdHeader), Header(response, FunctionArnHeader));
    }

    /// <summary>
    /// SnapStart: tells Lambda init is done and the snapshot may be taken; returns in the restored
    /// copy, when it may finish its after-restore work (RuntimeSupport: RestoreNextInvocationAsync).
    /// </summary>
    /// <exception cref="RuntimeApiException">Any answer but 200 or 204.</exception>
    public async Task RestoreNextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(_runtime, "restore/next"), cancellationToken).ConfigureAwait(false);
        await EnsureStatusAsync(response, "GET /runtime/restore/next", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the handler's answer for <paramref name="requestId"/>; returns the Runtime API's status (202 when accepted; 413 when too large).</summary>
    /// <exception cref="RuntimeApiException">A 5xx: the environment is broken and the runtime should exit.</exception>
    public async Task<HttpStatusCode> PostResponseAsync(string requestId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = Json;
        using var response = await _http.PostAsync(InvocationUri(requestId, "response"), content, cancellationToken).ConfigureAwait(false);
        return StatusOrThrow(response, "POST /runtime/invocation/{id}/response");
    }

    /// <summary>Reports that the handler failed on <paramref name="requestId"/>; returns the Runtime API's status.</summary>
    public Task<HttpStatusCode> PostErrorAsync(string requestId, LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(InvocationUri(requestId, "error"), error, cancellationToken);

    /// <summary>Reports that the function could not be set up; Lambda then ends this environment.</summary>
    public Task<HttpStatusCode> PostInitErrorAsync(LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(new Uri(_runtime, "init/error"), error, cancellationToken);

    /// <summary>SnapStart: reports that the restored copy could not get ready; Lambda then ends it.</summary>
    public Task<HttpStatusCode> PostRestoreErrorAsync(LambdaError error, CancellationToken cancellationToken) =>
        PostErrorAsync(new Uri(_runtime, "restore/error"), error, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<HttpStatusCode> PostErrorAsync(Uri uri, LambdaError error, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(error.ToJsonUtf8());
        content.Headers.ContentType = ErrorJson;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, error.HeaderType);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return StatusOrThrow(response, $"POST {uri.AbsolutePath}");
    }

    private static async Task EnsureStatusAsync(HttpResponseMessage response, string call, CancellationToken cancellationToken)
    {
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NoContent))
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new RuntimeApiException($"{call} answered {(int)response.StatusCode}: {(body.Length > 500 ? body[..500] : body)}");
        }
    }

    private static HttpStatusCode StatusOrThrow(HttpResponseMessage response, string call) =>
        (int)response.StatusCode >= 500
            ? throw new RuntimeApiException($"{call} answered {(int)response.StatusCode}: the Runtime API says the environment cannot go on.")
            : response.StatusCode;

    private Uri InvocationUri(string requestId, string what) =>
        new(_runtime, $"invocation/{Uri.EscapeDataString(requestId)}/{what}");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
