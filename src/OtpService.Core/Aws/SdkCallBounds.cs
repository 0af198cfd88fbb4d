using Amazon.Runtime;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one place that bounds an AWSSDK client's call (DynamoDB, KMS): every attempt waits at most
/// the attempt timeout (connect included), the SDK's standard retry mode makes at most
/// <c>maxErrorRetry</c> retries, and nothing else sends the request again, so a call makes exactly
/// 1 + <c>maxErrorRetry</c> attempts. <see cref="InvocationBudget"/>'s call limits rest on that count.
/// </summary>
/// <remarks>
/// AWSSDK.Core 4.1's <c>RetryHandler</c> also resends a request, without backoff and without
/// counting it against <c>MaxErrorRetry</c>, up to <c>ClientConfig.MaxStaleConnectionRetries</c>
/// (default 10) times, whenever the failure's exception chain holds a "stale pooled connection":
/// a <c>SocketException</c> ConnectionReset/Shutdown/ConnectionAborted or an <c>HttpIOException</c>
/// "The response ended prematurely" (<c>RetryPolicy.IsStaleConnectionError</c>). An attempt that ends
/// on our own <c>ClientConfig.Timeout</c> sometimes carries the second one: HttpClient's timeout
/// disposes the connection under the pending read, which then sees the end of the stream. So a
/// hanging KMS or DynamoDB got 3 and more attempts, 0.25 s apart, where 2 were planned (seen in
/// KmsFailureTests under load, and made to happen at will by an endpoint that closes every connection
/// unanswered). With the setting at 0 such a failure is an ordinary retryable I/O error, counted and
/// backed off like any other; SocketsHttpHandler itself still resends a request whose reused pooled
/// connection was found closed before anything was sent, which is the case the SDK's setting is for.
/// </remarks>
public static class SdkCallBounds
{
    /// <summary>Sets the attempt timeout, the connect timeout, standard retries and no uncounted resends.</summary>
    /// <param name="config">The client's configuration.</param>
    /// <param name="attemptTimeout">One attempt's limit (<c>ClientConfig.Timeout</c> and <c>ConnectTimeout</c>).</param>
    /// <param name="maxErrorRetry">Retries after the first attempt.</param>
    public static void Apply(ClientConfig config, TimeSpan attemptTimeout, int maxErrorRetry)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Timeout = attemptTimeout;
        config.ConnectTimeout = attemptTimeout;
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = maxErrorRetry;
        config.MaxStaleConnectionRetries = 0;
    }
}
