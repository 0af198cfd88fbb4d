namespace OtpService.Core.Rules;

/// <summary>
/// Every tunable of the rules (names, defaults and ranges in README's configuration table). A plain
/// record: the Lambda layer reads it from the environment once per container and refuses
/// out-of-range values at cold start, naming the variable.
/// </summary>
public sealed record OtpSettings
{
    public string TableName { get; init; } = "otp_holder";
    public int TtlSeconds { get; init; } = 120;

    /// <summary>Digits of a code while its address is not under attack (OTP_LENGTH).</summary>
    public int CodeLength { get; init; } = 6;

    /// <summary>Wrong guesses one client may make at one code (OTP_MAX_ATTEMPTS).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wrong guesses all clients together may make at one code before it is dead (OTP_MAX_ATTEMPTS_ALL_CLIENTS).</summary>
    public int MaxAttemptsAllClients { get; init; } = 15;

    public int ResendCooldownSeconds { get; init; } = 30;

    /// <summary>Codes per address: a burst of this many, refilled at this many per hour (GCRA; OTP_MAX_SENDS_PER_HOUR).</summary>
    public int MaxSendsPerHour { get; init; } = 5;

    /// <summary>
    /// Wrong guesses at an address, net of those forgiven, from which its new codes get
    /// <see cref="LongCodeLength"/> digits (OTP_FAILURES_BEFORE_LONG_CODES).
    /// </summary>
    public int FailuresBeforeLongCodes { get; init; } = 10;

    /// <summary>One wrong guess at an address is forgiven per this many seconds (OTP_FAILURE_FORGIVE_SECONDS; 14 days).</summary>
    public int FailureForgiveSeconds { get; init; } = 1_209_600;

    /// <summary>Digits of a code while its address is under attack (OTP_LENGTH_UNDER_ATTACK).</summary>
    public int LongCodeLength { get; init; } = 10;

    /// <summary>Codes one client may request per fixed hour, all addresses together (OTP_CLIENT_MAX_REQUESTS_PER_HOUR).</summary>
    public int ClientMaxRequestsPerHour { get; init; } = 120;

    /// <summary>Distinct addresses one client may request codes for per fixed hour (OTP_CLIENT_MAX_ADDRESSES_PER_HOUR).</summary>
    public int ClientMaxAddressesPerHour { get; init; } = 60;

    /// <summary>Failed verifications one client may make per fixed hour, all addresses together (OTP_CLIENT_MAX_FAILURES_PER_HOUR).</summary>
    public int ClientMaxFailuresPerHour { get; init; } = 30;

    /// <summary>
    /// Codes one client may have sent to one address: a burst of this many, refilled at this
    /// many per hour (GCRA; OTP_CLIENT_MAX_SENDS_PER_ADDRESS_PER_HOUR). Below
    /// <see cref="MaxSendsPerHour"/>, so one client never spends all of an address's sends; 4, so a
    /// person using the sign-in page in two tabs, each asking again once, never waits for it
    /// (README "Abuse limits" gives the figures).
    /// </summary>
    public int ClientMaxSendsPerAddressPerHour { get; init; } = 4;

    /// <summary>Codes issued per minute across all addresses (OTP_MAX_SENDS_PER_MINUTE).</summary>
    public int MaxSendsPerMinute { get; init; } = 30;

    /// <summary>
    /// The request header that names the caller (OTP_CLIENT_IP_HEADER), for deployments behind a
    /// backend that sets it; null: the caller is API Gateway's source IP.
    /// </summary>
    public string? ClientIpHeader { get; init; }

    /// <summary>False: generate answers GET with 400 and takes POST only (OTP_GENERATE_ALLOW_GET).</summary>
    public bool GenerateAllowsGet { get; init; } = true;

    /// <summary>
    /// True: verify refuses a request without verification_id (400 naming the field), so only the
    /// request that asked for the newest code can use it (OTP_REQUIRE_VERIFICATION_ID; README says when).
    /// </summary>
    public bool RequireVerificationId { get; init; }

    public string? SenderAddress { get; init; }

    /// <summary>The From header's display name (OTP_SENDER_NAME), e.g. "Bücher Team"; null: the bare address. RFC 2047-encoded on the wire when not ASCII.</summary>
    public string? SenderName { get; init; }

    public string AppName { get; init; } = "Simple Website";

    /// <summary>
    /// The mail's language when a request names none it accepts (OTP_DEFAULT_LOCALE): one of
    /// <see cref="MailTexts.Supported"/>, as <see cref="MailLocale.Resolve"/> gives it.
    /// </summary>
    public string DefaultLocale { get; init; } = "en";
    /// <summary>
    /// The mail's layout: the built-in one, or a deployer's templates in front of it (OTP_MAIL_TEMPLATES_DIR, parsed at init).
    /// The built-in one is parsed on first read, not when settings are made: only the mail reads it
    /// (<see cref="OtpEmail.Compose"/>; SendOtpEmail reads it at init), so GenerateOtp and VerifyOtp never
    /// load the template engine (Scriban) at init or on any request (issue 22, cold start).
    /// </summary>
    public MailTemplates MailTemplates
    {
        get => _mailTemplates ?? MailTemplates.BuiltIn;
        init => _mailTemplates = value ?? throw new ArgumentNullException(nameof(value));
    }

    private readonly MailTemplates? _mailTemplates;

    /// <summary>The one browser origin allowed to call the API (Access-Control-Allow-Origin); null: no CORS.</summary>
    public string? CorsAllowedOrigin { get; init; }

    /// <summary>
    /// The function's Lambda timeout in seconds (OTP_FUNCTION_TIMEOUT_SECONDS, fed by the same template
    /// parameter as its Timeout): each invocation answers within a budget below it, and a mailing
    /// claim lasts this long.
    /// </summary>
    public int FunctionTimeoutSeconds { get; init; } = 10;

    /// <summary>
    /// One cap, in seconds, for every AWS client timeout taken from the budget (OTP_AWS_TIMEOUT_CAP_SECONDS,
    /// 1..900); null (the default, for AWS): 2 s per DynamoDB or KMS attempt and key read, 5 s per SES
    /// call, 1 s per key-ring refresh. The local runner raises it so a slow emulator is not taken for an
    /// outage (see <see cref="InvocationBudget.ForTimeout"/>).
    /// </summary>
    public int? AwsTimeoutCapSeconds { get; init; }

    /// <summary>The fixed window of the per-client counters.</summary>
    public const int ClientWindowSeconds = 3600;

    /// <summary>The fixed window of the global send budget.</summary>
    public const int BudgetWindowSeconds = 60;

    /// <summary>The numbers of digits a submitted code may have, ascending: <see cref="CodeLength"/>, and <see cref="LongCodeLength"/> when it differs.</summary>
    public int[] AcceptedCodeLengths => LongCodeLength == CodeLength ? [CodeLength] : [CodeLength, LongCodeLength];
}
