namespace OtpService.Core.Lambda;

/// <summary>
/// Every CloudWatch metric the functions emit (a closed set: <see cref="InvocationLog.WriteMetrics"/>
/// takes nothing else). <see cref="MetricNames.Name"/> spells each one, in one switch, which the
/// template's alarms name and Deploy/TemplateContractTests checks.
/// </summary>
public enum Metric
{
    // API answers (GenerateOtp, VerifyOtp): one per answer status (see MetricNames.ForApiStatus).
    CodesIssued,
    SendsRateLimited,
    Verified,
    WrongCode,
    Expired,
    TooManyAttempts,
    NotFound,
    AlreadyUsed,
    Superseded,
    VerificationIdMismatch,
    Jwks,
    InvalidRequests,
    Unavailable,
    InternalErrors,

    /// <summary>
    /// An API invocation a dependency refused because the deployment is wrong (DynamoDB: missing table,
    /// access denied; KMS: missing, disabled or wrong key, access denied), answered 500.
    /// </summary>
    ConfigurationErrors,

    /// <summary>An API invocation that reached its budget and answered 503 instead of running into Lambda's timeout.</summary>
    DeadlineExceeded,

    // Stream records (SendOtpEmail): one per StreamRecordOutcome but Ignored.
    MailsSent,
    MailsUndeliverable,
    MailFailuresTransient,
    MailFailuresConfiguration,
    MailsSkipped,
    MailClaimsHeld,
    RecordsNotStarted,
    RecordsMalformed,
    EventsMalformed,

    /// <summary>SendOtpEmail could not reach, or was throttled by, DynamoDB; the record is retried.</summary>
    StoreUnavailable,

    // Keys (the functions that hold keys).

    /// <summary>
    /// VerifyOtp or SendOtpEmail could not read the code key ring again from Secrets Manager at invoke
    /// time (outage or configuration error; the log line says which); the keys in use keep serving.
    /// </summary>
    KeyRefreshFailures,

    /// <summary>
    /// A key a function cannot work without (code key ring, client key, subject key, KMS token keys)
    /// could not be read at init (outage or configuration error; the log line says which). The function
    /// is built anyway and reads it again on the next request, which answers like any failed call until it is in.
    /// </summary>
    KeyReadFailures,
}
