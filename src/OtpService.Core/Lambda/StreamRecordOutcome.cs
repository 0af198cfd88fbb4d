namespace OtpService.Core.Lambda;

/// <summary>
/// What SendOtpEmail did with one stream record (or, for <see cref="EventMalformed"/>, the whole event).
/// Its log key and its metric are <see cref="MetricNames.Key(StreamRecordOutcome)"/> and
/// <see cref="MetricNames.For(StreamRecordOutcome)"/>.
/// </summary>
public enum StreamRecordOutcome
{
    /// <summary>A change, the address record or a window (no NONCE): not a new code. Logged, never counted as a metric.</summary>
    Ignored,
    MailSent,
    MailSkipped,
    MailClaimHeld,
    MailUndeliverable,
    MailFailedTransient,
    MailFailedConfiguration,

    /// <summary>Too little of the invocation's budget was left to claim, send and mark it: left to the retry.</summary>
    RecordNotStarted,
    RecordMalformed,
    EventMalformed,
    StoreUnavailable,
}
