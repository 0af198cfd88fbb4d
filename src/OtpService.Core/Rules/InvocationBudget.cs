
namespace OtpService.Core.Rules;

/// <summary>
/// How long one invocation may work, and the AWS client timeouts that fit inside it, all derived
/// from the function's configured timeout (OTP_FUNCTION_TIMEOUT_SECONDS, which the template feeds
/// from the same parameter as the function's <c>Timeout</c>). The handler answers by
/// <see cref="Budget"/>, so Lambda never ends an invocation on its timeout: the margin left is
/// for writing the answer and the log lines.
/// </summary>
/// <remarks>
/// Without Amazon.Lambda.Core there is no <c>ILambdaContext.RemainingTime</c> in the managed
/// runtime; the Runtime API's <c>Lambda-Runtime-Deadline-Ms</c> header reaches only the Native AOT
/// bootstrap, which passes it in through <see cref="RuntimeDeadline"/>
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
/// </remarks>
public sealed record InvocationBudget
{
    /// <summary>Retries of one DynamoDB call after its first attempt (the SDK's MaxErrorRetry).</summary>
    public const int DynamoDbMaxErrorRetry = 1;

    /// <summary>
    /// The longest wait the SDK's standard retry mode adds before its first retry: a random
    /// fraction of 2^0 s (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
    /// </summary>
    public static readonly TimeSpan DynamoDbRetryBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Retries of one KMS call after its first attempt (the SDK's MaxErrorRetry).</summary>
    public const int KmsMaxErrorRetry = 1;

    /// <summary>Answer within this part of the function's timeout; the rest (at least 1 s) is left for the answer itself.</summary>
    public const double MarginFraction = 0.1;

    private static readonly TimeSpan MinMargin = TimeSpan.FromSeconds(1);

    private InvocationBudget(TimeSpan functionTimeout, TimeSpan? timeoutCap)
    {
        FunctionTimeout = functionTimeout;
        var margin = TimeSpan.FromTicks(Math.Max(MinMargin.Ticks, (long)(functionTimeout.Ticks * MarginFraction)));
        Budget = functionTimeout - margin;
        DynamoDbAttemptTimeout = Clamp(Budget / 8, TimeSpan.FromMilliseconds(250), timeoutCap ?? TimeSpan.FromSeconds(2));
        SesCallTimeout = Clamp(Budget / 5, TimeSpan.FromMilliseconds(500), timeoutCap ?? TimeSpan.FromSeconds(5));
        KmsAttemptTimeout = Clamp(Budget / 8, TimeSpan.FromMilliseconds(250), timeoutCap ?? TimeSpan.FromSeconds(2));
        SecretsManagerRefreshTimeout = Clamp(Budget / 10, TimeSpan.FromMilliseconds(250), timeoutCap ?? TimeSpan.FromSeconds(1));
        KeyReadTimeout = Clamp(Budget / 8, TimeSpan.FromMilliseconds(250), timeoutCap ?? TimeSpan.FromSeconds(2));
    }

    /// <summary>The Lambda function's timeout.</summary>
    public TimeSpan FunctionTimeout { get; }

    /// <summary>How long after it starts an invocation must have answered: the timeout less a margin of max(1 s, 10 %).</summary>
    public TimeSpan Budget { get; }

    /// <summary>The DynamoDB client's per-attempt timeout (<c>ClientConfig.Timeout</c>): an eighth of the budget, 0.25 to 2 s.</summary>
    public TimeSpan DynamoDbAttemptTimeout { get; }

    /// <summary>The longest one DynamoDB call can take: every attempt timing out, plus the backoff between them.</summary>
    public TimeSpan DynamoDbCallLimit => DynamoDbAttemptTimeout * (DynamoDbMaxErrorRetry + 1) + DynamoDbRetryBackoff;

    /// <summary>The SES v2 SendEmail call's timeout (one attempt; the stream's retries are the retries): a fifth of the budget, 0.5 to 5 s.</summary>
    public TimeSpan SesCallTimeout { get; }

    /// <summary>The KMS client's per-attempt timeout (Sign at verify time; GetPublicKey at init): an eighth of the budget, 0.25 to 2 s.</summary>
    public TimeSpan KmsAttemptTimeout { get; }

    /// <summary>The longest one KMS call can take: every attempt timing out, plus the backoff between them (as <see cref="DynamoDbCallLimit"/>).</summary>
    public TimeSpan KmsCallLimit => KmsAttemptTimeout * (KmsMaxErrorRetry + 1) + DynamoDbRetryBackoff;

    /// <summary>
    /// The Secrets Manager GetSecretValue timeout of a key-ring refresh at invoke time: a tenth of the
    /// budget, 0.25 to 1 s. A refresh that fails keeps the ring in use, so it may only take a small
    /// part of the budget. (The first read, which a request needs, has <see cref="KeyReadTimeout"/>.)
    /// </summary>
    public TimeSpan SecretsManagerRefreshTimeout { get; }

    /// <summary>
    /// The Secrets Manager GetSecretValue timeout of a key the function cannot work without (the code
    /// key ring, the client key, the subject key) while it is not in: its first read at init, and each
    /// read again on the request path after that failed. An eighth of the budget, 0.25 to 2 s, as a
    /// DynamoDB or KMS attempt: the request waits for it.
    /// </summary>
    public TimeSpan KeyReadTimeout { get; }

    /// <summary>
    /// The longest one stream record can take to mail: claim, send, then mark mailed or release.
    /// SendOtpEmail starts a record only while at least this much of the budget is left, so no
    /// record is ever cut between its send and its mark (which would mail it twice).
    /// </summary>
    public TimeSpan MailRecordAllowance => DynamoDbCallLimit * 2 + SesCallTimeout;

    /// <summary>
    /// The budget for a function whose timeout is <paramref name="functionTimeoutSeconds"/>, with the
    /// clients' caps (2 s per DynamoDB or KMS attempt and key read, 5 s per SES call, 1 s per
    /// key-ring refresh), or <paramref name="timeoutCapSeconds"/> in place of each of them.
    /// </summary>
    /// <param name="functionTimeoutSeconds">The Lambda timeout, in seconds (at least 1).</param>
    /// <param name="timeoutCapSeconds">
    /// One cap for every client timeout, in seconds (OTP_AWS_TIMEOUT_CAP_SECONDS); null: the caps
    /// above, sized for AWS. A higher one gives slow endpoints (emulators on a busy machine) room;
    /// the shares of the budget still apply, so every call still fits inside it.
    /// </param>
    public static InvocationBudget ForTimeout(int functionTimeoutSeconds, int? timeoutCapSeconds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(functionTimeoutSeconds, 1);
        if (timeoutCapSeconds is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1, nameof(timeoutCapSeconds));
        }

        return new InvocationBudget(TimeSpan.FromSeconds(functionTimeoutSeconds), timeoutCapSeconds is { } c ? TimeSpan.FromSeconds(c) : null);
    }

    /// <summary>The budget <paramref name="settings"/> give (<see cref="OtpSettings.FunctionTimeoutSeconds"/>, <see cref="OtpSettings.AwsTimeoutCapSeconds"/>).</summary>
    public static InvocationBudget For(OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ForTimeout(settings.FunctionTimeoutSeconds, settings.AwsTimeoutCapSeconds);
    }

    /// <summary>
    /// Starts the clock for one invocation: it ends after <see cref="Budget"/>, or earlier when the
    /// runtime told us Lambda's own deadline (<see cref="RuntimeDeadline.Current"/>) and that leaves less.
    /// </summary>
    public InvocationDeadline Start(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        var end = now + Budget;
        if (RuntimeDeadline.Current is { } lambdaDeadline && lambdaDeadline - (FunctionTimeout - Budget) < end)
        {
            end = lambdaDeadline - (FunctionTimeout - Budget);
        }

        return new InvocationDeadline(end, clock);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Clamp(value.Ticks, min.Ticks, max.Ticks));
}
