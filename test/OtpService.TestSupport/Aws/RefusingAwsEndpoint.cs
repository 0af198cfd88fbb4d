using System.Net;
using System.Text;
using OtpService.Local.Emulators;

namespace OtpService.Tests.Support;

/// <summary>
/// An HTTP endpoint on 127.0.0.1 that answers every request with one AWS-shaped error
/// (status, <c>x-amzn-ErrorType</c>, JSON body), as SES v2 does. A stand-in on purpose, for the
/// one refusal no real part here produces: SES refusing a recipient that our address rule, moto
/// and aws-ses-v2-local all accept (a real SES answers <c>BadRequestException</c> "Illegal address").
/// </summary>
public sealed class RefusingAwsEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private int _requests;

    public RefusingAwsEndpoint(HttpStatusCode status, string errorType, string message)
    {
        var port = Ports.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        var body = Encoding.UTF8.GetBytes($$"""{"message":"{{message}}"}""");
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                context.Response.StatusCode = (int)status;
                context.Response.ContentType = "application/json";
                context.Response.Headers["x-amzn-ErrorType"] = errorType;
                context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
    }

    /// <summary>http://127.0.0.1:PORT/, for AWS_ENDPOINT_URL_SESV2.</summary>
    public Uri Url { get; }

    /// <summary>Requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
