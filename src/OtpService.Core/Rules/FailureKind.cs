namespace OtpService.Core.Rules;

/// <summary>
/// What a dependency's failure means, in the three kinds that decide what happens next. The AWS
/// adapters decide the kind from the service's answer (one classifier, a table per service; README
/// "Why requests fail" and "Why mail fails" list the tables and their sources); the rules and the
/// handlers act on the kind only.
/// </summary>
public enum FailureKind
{
    /// <summary>
    /// Throttling, 5xx, timeouts, connection failures: the same call can succeed later. The API answers
    /// 503 with Retry-After; the stream fails the record, so it is retried.
    /// </summary>
    Transient,

    /// <summary>The provider refused this one message for good (e.g. an address it calls illegal). Mail only: dropped, logged and counted, never retried.</summary>
    Undeliverable,

    /// <summary>
    /// The account or the deployment is wrong (missing table, secret or key, access denied, sending
    /// paused, an unverified sender or, in the SES sandbox, recipient, bad credentials): nothing works
    /// until an operator acts. The API answers 500 and counts <c>configuration_error</c> (alarmed on);
    /// the stream fails the record, so its bounded retries end in the failure queue, and an alarm fires.
    /// </summary>
    Configuration,
}
