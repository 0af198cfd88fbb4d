using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// Sends SigV4-signed JSON POSTs to one AWS service and turns every failure into a
/// <see cref="DependencyException"/> of that service, classified by <see cref="AwsFailureClassifier"/>.
/// </summary>
public sealed class SignedAwsHttpClient
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    // One client per process: connections are reused across invocations of a warm Lambda, and
    // a bounded connection lifetime lets DNS changes of the service endpoint take effect. The pool
    // is one the runtime drops after a SnapStart restore (AwsConnections).
    private static readonly HttpClient SharedHttpClient = new(AwsConnections.CreateHandler(sockets =>
    {
        sockets.PooledConnectionLifetime = TimeSpan.FromMinutes(1);
        sockets.ConnectTimeout = TimeSpan.FromSeconds(3);
    }))
    {
        // Each call has its own deadline (see SendAsync), which also tells a timeout from the caller's cancellation.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    // The SDK's default chain (in Lambda: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
    // It caches what it resolves; the AWSCredentials it returns refresh themselves when they expire.
    private static readonly DefaultAWSCredentialsIdentityResolver DefaultCredentialChain = new();

    private readonly Dependency service;
    private readonly AwsRequestSigner signer;
    private readonly AWSCredentials? credentials;
    private readonly HttpClient httpClient;
    private readonly TimeSpan timeout;
    private readonly TimeProvider clock;

    /// <param name="service">The service called: its failures are classified by its table.</param>
    /// <param name="signer">Service and region to sign for.</param>
    /// <param name="clock">Source of the signing time (the function's clock).</param>
    /// <param name="credentials">Fixed credentials; null resolves AWSSDK.Core's default chain, lazily, on each call.</param>
    /// <param name="httpClient">Null uses one shared, pooled client.</param>
    /// <param name="timeout">Deadline for one call, sending and reading the answer; default 5 s.</param>
    public SignedAwsHttpClient(
        Dependency service,
        AwsRequestSigner signer,
        TimeProvider clock,
        AWSCredentials? credentials = null,
        HttpClient? httpClient = null,
        TimeSpan? timeout = null)
    {
        this.service = service;
        this.signer = signer ?? throw new ArgumentNullException(nameof(signer));
        this.credentials = credentials;
        this.httpClient = httpClient ?? SharedHttpClient;
        this.timeout = timeout ?? DefaultTimeout;
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
    }

    /// <summary>POSTs <paramref name="body"/> and returns the answer's body when the status is 2xx.</summary>
    /// <param name="operation">Names the call in error messages, e.g. "SES v2 SendEmail".</param>
    /// <exception cref="DependencyException">Any failure other than the caller's cancellation.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public async Task<byte[]> PostAsync(
        string operation,
        Uri uri,
        byte[] body,
        string contentType,
        IEnumerable<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        var signingCredentials = await ResolveCredentialsAsync(operation, cancellationToken).ConfigureAwait(false);

        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        signer.Sign(request, body, signingCredentials, clock.GetUtcNow().UtcDateTime);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            var answer = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return answer;
            }

            throw AwsFailureClassifier.FromAnswer(service, operation, response, answer);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DependencyException(
                service, FailureKind.Transient, AwsFailureClassifier.Timeout, $"{operation} timed out after {timeout.TotalSeconds:0.###} s.", exception);
        }
        catch (HttpRequestException exception)
        {
            // Connection refused, DNS failure, reset: nothing reached the service, so a retry can help.
            throw new DependencyException(
                service,
                FailureKind.Transient,
                AwsFailureClassifier.ConnectionFailure,
                $"{operation} could not reach {uri.GetLeftPart(UriPartial.Authority)}: {exception.Message}",
                exception);
        }
    }

    private async Task<ImmutableCredentials> ResolveCredentialsAsync(string operation, CancellationToken cancellationToken)
    {
        try
        {
            var source = credentials
                ?? await DefaultCredentialChain.ResolveIdentityAsync(null!, cancellationToken).ConfigureAwait(false);
            return await source.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (AmazonClientException exception)
        {
            // A configuration problem (no role, no variables): retrying the same call will not fix it.
            throw new DependencyException(
                service, FailureKind.Configuration, AwsFailureClassifier.NoCredentials, $"{operation}: no AWS credentials could be resolved ({exception.Message})", exception);
        }
    }
}
