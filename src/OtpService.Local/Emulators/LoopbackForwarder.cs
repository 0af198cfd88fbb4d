using Microsoft.AspNetCore.Http;

namespace OtpService.Local.Emulators;

/// <summary>
/// Passes a request a runner proxy received on to the emulator behind it, unchanged, and writes the
/// emulator's answer back: the one forwarding of the DynamoDB stream proxy and the SES stand-in.
/// </summary>
internal sealed class LoopbackForwarder(Uri upstream) : IDisposable
{
    private static readonly string[] SkippedHeaders = ["Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect"];

    private readonly HttpClient forward = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The emulator's root URL.</summary>
    public Uri Upstream => upstream;

    /// <summary>The request's body, read whole (an AWS request is small).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Sends the request on with <paramref name="body"/>; null when the emulator cannot be reached.</summary>
    public async Task<UpstreamAnswer?> ForwardAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(upstream, request.Path.Value + request.QueryString.Value))
        {
            Content = new ByteArrayContent(body),
        };
        foreach (var (name, values) in request.Headers)
        {
            if (SkippedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        try
        {
            using var response = await forward.SendAsync(message, cancellationToken).ConfigureAwait(false);
            var headers = response.Headers.Concat(response.Content.Headers)
                .Where(h => !SkippedHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase))
                .Select(h => (h.Key, h.Value.ToArray()))
                .ToList();
            var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return new UpstreamAnswer((int)response.StatusCode, headers, content);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="answer"/> as the response; for no answer, drops the connection, as an unreachable endpoint would.</summary>
    public static async Task WriteAsync(HttpContext context, UpstreamAnswer? answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (answer is null)
        {
            // The emulator is gone: the client sees what an unreachable endpoint gives, a dropped connection.
            context.Abort();
            return;
        }

        context.Response.StatusCode = answer.Status;
        foreach (var (name, values) in answer.Headers)
        {
            context.Response.Headers[name] = values;
        }

        context.Response.ContentLength = answer.Content.Length;
        await context.Response.Body.WriteAsync(answer.Content, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => forward.Dispose();
}
