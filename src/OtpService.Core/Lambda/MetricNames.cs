namespace OtpService.Core.Lambda;

/// <summary>
/// The one source of the service's CloudWatch metric names (namespace <see cref="Namespace"/>, one
/// dimension <see cref="FunctionDimension"/>): <see cref="Name"/> spells every <see cref="Metric"/>
/// in one switch. The template's alarms name metrics from here, and Deploy/TemplateContractTests
/// checks that they do.
/// </summary>
/// <remarks>
/// Each invocation counts its outcomes: an API answer's <c>status</c> field (<see cref="ForApiStatus"/>),
/// or a stream record's <see cref="StreamRecordOutcome"/> (<see cref="For(StreamRecordOutcome)"/>). To
/// count a new outcome, add a <see cref="Metric"/> and its line in each switch: the compiler refuses a
/// switch that misses an enum member, so nothing new goes uncounted.
/// </remarks>
public static class MetricNames
{
    /// <summary>The CloudWatch namespace of every metric the functions emit.</summary>
    public const string Namespace = "OtpService";

    /// <summary>The one dimension: the function's name as Lambda runs it (AWS_LAMBDA_FUNCTION_NAME, e.g. otp-service-SendOtpEmail).</summary>
    public const string FunctionDimension = "FunctionName";

    // The names as CloudWatch sees them (constants, so tests and attributes can name them).
    public const string CodesIssued = "CodesIssued";
    public const string SendsRateLimited = "SendsRateLimited";
    public const string Verified = "Verified";
    public const string WrongCode = "WrongCode";
    public const string Expired = "Expired";
    public const string TooManyAttempts = "TooManyAttempts";
    public const string NotFound = "NotFound";
    public const string AlreadyUsed = "AlreadyUsed";
    public const string Superseded = "Superseded";
    public const string VerificationIdMismatch = "VerificationIdMismatch";
    public const string Jwks = "Jwks";
    public const string InvalidRequests = "InvalidRequests";
    public const string Unavailable = "Unavailable";
    public const string InternalErrors = "InternalErrors";
    public const string ConfigurationErrors = "ConfigurationErrors";
    public const string DeadlineExceeded = "DeadlineExceeded";
    public const string MailsSent = "MailsSent";
    public const string MailsUndeliverable = "MailsUndeliverable";
    public const string MailFailuresTransient = "MailFailuresTransient";
    public const string MailFailuresConfiguration = "MailFailuresConfiguration";
    public const string MailsSkipped = "MailsSkipped";
    public const string MailClaimsHeld = "MailClaimsHeld";
    public const string RecordsNotStarted = "RecordsNotStarted";
    public const string RecordsMalformed = "RecordsMalformed";
    public const string EventsMalformed = "EventsMalformed";
    public const string StoreUnavailable = "StoreUnavailable";
    public const string KeyRefreshFailures = "KeyRefreshFailures";
    public const string KeyReadFailures = "KeyReadFailures";

    /// <summary>The CloudWatch metric name of <paramref name="metric"/>: the one place a metric is spelled.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value that is no <see cref="Metric"/> member.</exception>
    public static string Name(Metric metric) => metric switch
    {
        Metric.CodesIssued => CodesIssued,
        Metric.SendsRateLimited => SendsRateLimited,
        Metric.Verified => Verified,
        Metric.WrongCode => WrongCode,
        Metric.Expired => Expired,
        Metric.TooManyAttempts => TooManyAttempts,
        Metric.NotFound => NotFound,
        Metric.AlreadyUsed => AlreadyUsed,
        Metric.Superseded => Superseded,
        Metric.VerificationIdMismatch => VerificationIdMismatch,
        Metric.Jwks => Jwks,
        Metric.InvalidRequests => InvalidRequests,
        Metric.Unavailable => Unavailable,
        Metric.InternalErrors => InternalErrors,
        Metric.ConfigurationErrors => ConfigurationErrors,
        Metric.DeadlineExceeded => DeadlineExceeded,
        Metric.MailsSent => MailsSent,
        Metric.MailsUndeliverable => MailsUndeliverable,
        Metric.MailFailuresTransient => MailFailuresTransient,
        Metric.MailFailuresConfiguration => MailFailuresConfiguration,
        Metric.MailsSkipped => MailsSkipped,
        Metric.MailClaimsHeld => MailClaimsHeld,
        Metric.RecordsNotStarted => RecordsNotStarted,
        Metric.RecordsMalformed => RecordsMalformed,
        Metric.EventsMalformed => EventsMalformed,
        Metric.StoreUnavailable => StoreUnavailable,
        Metric.KeyRefreshFailures => KeyRefreshFailures,
        Metric.KeyReadFailures => KeyReadFailures,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a metric"),
    };

    /// <summary>Every status an API answer carries (<see cref="ApiResponses"/>, docs/openapi.json).</summary>
    public static readonly IReadOnlyList<string> ApiStatuses =
        ["sent", "rate_limited", "verified", "wrong_code", "expired", "not_found", "already_used", "superseded",
         "verification_id_mismatch", "too_many_attempts", "jwks", "invalid_request", "unavailable", "internal_error"];

    /// <summary>The metric an API answer with this <c>status</c> counts in (GenerateOtp, VerifyOtp).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A status no answer carries (one of <see cref="ApiStatuses"/> is expected).</exception>
    public static Metric ForApiStatus(string status) => status switch
    {
        "sent" => Metric.CodesIssued,
        "rate_limited" => Metric.SendsRateLimited,
        "verified" => Metric.Verified,
        "wrong_code" => Metric.WrongCode,
        "expired" => Metric.Expired,
        "not_found" => Metric.NotFound,
        "already_used" => Metric.AlreadyUsed,
        "superseded" => Metric.Superseded,
        "verification_id_mismatch" => Metric.VerificationIdMismatch,
        "too_many_attempts" => Metric.TooManyAttempts,
        "jwks" => Metric.Jwks,
        "invalid_request" => Metric.InvalidRequests,
        "unavailable" => Metric.Unavailable,
        "internal_error" => Metric.InternalErrors,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no API answer has this status"),
    };

    /// <summary>The metric a stream record's outcome counts in (SendOtpEmail); null for <see cref="StreamRecordOutcome.Ignored"/>, which is logged only.</summary>
    public static Metric? For(StreamRecordOutcome outcome) => outcome switch
    {
        StreamRecordOutcome.Ignored => null,
        StreamRecordOutcome.MailSent => Metric.MailsSent,
        StreamRecordOutcome.MailSkipped => Metric.MailsSkipped,
        StreamRecordOutcome.MailClaimHeld => Metric.MailClaimsHeld,
        StreamRecordOutcome.MailUndeliverable => Metric.MailsUndeliverable,
        StreamRecordOutcome.MailFailedTransient => Metric.MailFailuresTransient,
        StreamRecordOutcome.MailFailedConfiguration => Metric.MailFailuresConfiguration,
        StreamRecordOutcome.RecordNotStarted => Metric.RecordsNotStarted,
        StreamRecordOutcome.RecordMalformed => Metric.RecordsMalformed,
        StreamRecordOutcome.EventMalformed => Metric.EventsMalformed,
        StreamRecordOutcome.StoreUnavailable => Metric.StoreUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a stream record outcome"),
    };

    /// <summary>A stream record outcome as the log line's <c>outcome</c> field (and the batch line's count field) spells it.</summary>
    public static string Key(StreamRecordOutcome outcome) => outcome switch
    {
        StreamRecordOutcome.Ignored => "ignored",
        StreamRecordOutcome.MailSent => "mail_sent",
        StreamRecordOutcome.MailSkipped => "mail_skipped",
        StreamRecordOutcome.MailClaimHeld => "mail_claim_held",
        StreamRecordOutcome.MailUndeliverable => "mail_undeliverable",
        StreamRecordOutcome.MailFailedTransient => "mail_failed_transient",
        StreamRecordOutcome.MailFailedConfiguration => "mail_failed_configuration",
        StreamRecordOutcome.RecordNotStarted => "record_not_started",
        StreamRecordOutcome.RecordMalformed => "record_malformed",
        StreamRecordOutcome.EventMalformed => "event_malformed",
        StreamRecordOutcome.StoreUnavailable => "store_unavailable",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a stream record outcome"),
    };

    /// <summary>What GenerateOtp and VerifyOtp count: each answer's status, a budget that ran out, a deployment refused.</summary>
    public static readonly IReadOnlyList<Metric> ApiMetrics =
        [.. ApiStatuses.Select(ForApiStatus), Metric.DeadlineExceeded, Metric.ConfigurationErrors];

    /// <summary>What SendOtpEmail counts: each stream record's outcome.</summary>
    public static readonly IReadOnlyList<Metric> StreamMetrics =
        [.. Enum.GetValues<StreamRecordOutcome>().Select(For).OfType<Metric>()];
}
