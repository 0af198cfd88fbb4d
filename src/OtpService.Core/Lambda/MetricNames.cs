namespace OtpService.Core.Lambda;

/// <summary>
/// The one source of the service's CloudWatch metric names (namespace <see cref="Namespace"/>, one
/// dimension <see cref="FunctionDimension"/>). The template's alarms name metrics from here, and
/// Deploy/TemplateAlarmTests checks that they do.
/// </summary>
/// <remarks>
/// Each invocation counts its outcomes by key: an API answer's <c>status</c> field, or a stream
/// record's outcome. To count a new outcome under a chosen name, add one line to
/// <see cref="ApiOutcomes"/> (an API status) or <see cref="MailOutcomes"/> (a stream outcome). An outcome with no line is still counted, under its key in PascalCase
/// (<c>superseded</c> becomes <c>Superseded</c>), so nothing new goes uncounted.
/// </remarks>
public static class MetricNames
{
    /// <summary>The CloudWatch namespace of every metric the functions emit.</summary>
    public const string Namespace = "OtpService";

    /// <summary>The one dimension: the function's name as Lambda runs it (AWS_LAMBDA_FUNCTION_NAME, e.g. otp-service-SendOtpEmail).</summary>
    public const string FunctionDimension = "FunctionName";

    // API answers (the response body's status).
    public const string CodesIssued = "CodesIssued";
    public const string SendsRateLimited = "SendsRateLimited";
    public const string Verified = "Verified";
    public const string WrongCode = "WrongCode";
    public const string Expired = "Expired";
    public const string TooManyAttempts = "TooManyAttempts";
    public const string NotFound = "NotFound";
    public const string AlreadyUsed = "AlreadyUsed";
    public const string InvalidRequests = "InvalidRequests";
    public const string Unavailable = "Unavailable";
    public const string InternalErrors = "InternalErrors";

    /// <summary>
    /// An API invocation a dependency refused because the deployment is wrong (DynamoDB: missing table,
    /// access denied; KMS: missing, disabled or wrong key, access denied), answered 500.
    /// </summary>
    public const string ConfigurationErrors = "ConfigurationErrors";

    /// <summary>An API invocation that reached its budget and answered 503 instead of running into Lambda's timeout.</summary>
    public const string DeadlineExceeded = "DeadlineExceeded";

    // Stream records (SendOtpEmail).
    public const string MailsSent = "MailsSent";
    public const string MailsUndeliverable = "MailsUndeliverable";
    public const string MailFailuresTransient = "MailFailuresTransient";
    public const string MailFailuresConfiguration = "MailFailuresConfiguration";
    public const string MailsSkipped = "MailsSkipped";
    public const string MailClaimsHeld = "MailClaimsHeld";
    public const string RecordsNotStarted = "RecordsNotStarted";
    public const string RecordsMalformed = "RecordsMalformed";
    public const string EventsMalformed = "EventsMalformed";

    /// <summary>SendOtpEmail could not reach, or was throttled by, DynamoDB; the record is retried.</summary>
    public const string StoreUnavailable = "StoreUnavailable";

    /// <summary>
    /// VerifyOtp or SendOtpEmail could not read the code key ring again from Secrets Manager at invoke
    /// time (outage or configuration error; the log line says which); the keys in use keep serving.
    /// </summary>
    public const string KeyRefreshFailures = "KeyRefreshFailures";

    /// <summary>What GenerateOtp and VerifyOtp count: each answer's status, and a budget that ran out. One line per outcome.</summary>
    public static readonly IReadOnlyDictionary<string, string> ApiOutcomes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["sent"] = CodesIssued,
        ["rate_limited"] = SendsRateLimited,
        ["verified"] = Verified,
        ["wrong_code"] = WrongCode,
        ["expired"] = Expired,
        ["too_many_attempts"] = TooManyAttempts,
        ["not_found"] = NotFound,
        ["already_used"] = AlreadyUsed,
        ["invalid_request"] = InvalidRequests,
        ["unavailable"] = Unavailable,
        ["internal_error"] = InternalErrors,
        ["deadline_exceeded"] = DeadlineExceeded,
        ["configuration_error"] = ConfigurationErrors,
    };

    /// <summary>What SendOtpEmail counts: each stream record's outcome. One line per outcome.</summary>
    public static readonly IReadOnlyDictionary<string, string> MailOutcomes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["mail_sent"] = MailsSent,
        ["mail_undeliverable"] = MailsUndeliverable,
        ["mail_failed_transient"] = MailFailuresTransient,
        ["mail_failed_configuration"] = MailFailuresConfiguration,
        ["mail_skipped"] = MailsSkipped,
        ["mail_claim_held"] = MailClaimsHeld,
        ["record_not_started"] = RecordsNotStarted,
        ["record_malformed"] = RecordsMalformed,
        ["event_malformed"] = EventsMalformed,
        ["store_unavailable"] = StoreUnavailable,
    };

    /// <summary>
    /// A key a function cannot work without (code key ring, client key, subject key, KMS token keys)
    /// could not be read at init (outage or configuration error; the log line says which). The function
    /// is built anyway and reads it again on the next request, which answers like any failed call until it is in.
    /// </summary>
    public const string KeyReadFailures = "KeyReadFailures";

    /// <summary>What the functions that hold keys count besides their outcomes.</summary>
    public static readonly IReadOnlyDictionary<string, string> KeyOutcomes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["key_refresh_failed"] = KeyRefreshFailures,
        ["key_read_failed"] = KeyReadFailures,
    };

    /// <summary>Every table: every outcome key and the metric it counts in.</summary>
    public static readonly IReadOnlyDictionary<string, string> ByOutcome =
        ApiOutcomes.Concat(MailOutcomes).Concat(KeyOutcomes).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>The metric for an outcome key: its line in <see cref="ByOutcome"/>, else the key in PascalCase.</summary>
    public static string For(string outcome)
    {
        ArgumentException.ThrowIfNullOrEmpty(outcome);
        return ByOutcome.TryGetValue(outcome, out var name)
            ? name
            : string.Concat(outcome.Split('_', '-', ' ').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
