using System.Net;
using System.Text;

namespace OtpService.Tests.Aws;

/// <summary>
/// Stands in for an AWS endpoint where no emulator can: AWS-shaped error answers (throttling, 5xx,
/// MessageRejected...), which aws-ses-v2-local never returns for a valid send, and Secrets Manager,
/// for which this project has no emulator. Records the request it got.
/// </summary>
internal sealed class FakeAwsHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    public HttpRequestMessage? Request { get; private set; }

    public byte[] RequestBody { get; private set; } = [];

    public string RequestBodyText => Encoding.UTF8.GetString(RequestBody);

    public static FakeAwsHandler Answering(HttpStatusCode status, string json = "{}", string? errorTypeHeader = null) =>
        new((_, _) =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            response.Headers.Add("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555");
            if (errorTypeHeader is not null)
            {
                response.Headers.Add("x-amzn-ErrorType", errorTypeHeader);
            }

            return Task.FromResult(response);
        });

    public static FakeAwsHandler Throwing(Exception exception) => new((_, _) => Task.FromException<HttpResponseMessage>(exception));

    /// <summary>Never answers: only cancellation (the client's deadline or the caller) ends the call.</summary>
    public static FakeAwsHandler Hanging() => new(async (_, cancellationToken) =>
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Request = request;
        RequestBody = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        return await answer(request, cancellationToken);
    }
}
