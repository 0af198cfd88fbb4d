using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Lambda;

/// <summary>
/// Builds the real dependencies from the configuration read at init (<see cref="ServiceConfiguration"/>),
/// once per Lambda container (the functions' entry points and the local runner build one each).
/// Client timeouts come from the function's <see cref="InvocationBudget"/>, so every AWS call fits
/// inside the time an invocation has.
/// </summary>
/// <remarks>
/// Init never fails for a key store that is down or refuses: each key's read starts at init and init
/// waits for the reads together at most <see cref="InitKeyWait"/>; a read that failed is logged
/// (<c>event: key_read_failed</c>, counted as <see cref="Metric.KeyReadFailures"/>) and the function
/// is built anyway (<see cref="DeferredKey{T}"/>). Its requests then read the key again and answer
/// as for any failed call: 503 with Retry-After for an outage, 500 and <c>configuration_error</c> for a
/// refusal; the stream fails the record so it is retried. Configuration that needs no network call to
/// judge (a missing variable, a development key inside Lambda, a key too short) still stops init.
/// </remarks>
public sealed class OtpServices
{
    /// <summary>
    /// The longest init waits for its key reads, all together: well inside Lambda's 10 s init phase, long
    /// enough for a healthy cold start's reads (a TLS handshake and one call each, in parallel for the token keys).
    /// </summary>
    public static readonly TimeSpan InitKeyWait = TimeSpan.FromSeconds(3);

    private readonly long _initStarted;
    private readonly List<(string What, Func<TimeSpan, Exception?> Wait, Func<bool> IsIn)> _keyReads = [];

    /// <param name="configuration">What init read from the environment.</param>
    /// <param name="clock">The function's one clock, chosen where the program starts (<see cref="LambdaHost"/> in Lambda, the local runner's Program locally).</param>
    public OtpServices(ServiceConfiguration configuration, TimeProvider clock)
    {
        Configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        Clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _initStarted = clock.GetTimestamp();
        LogOutput = FunctionOutput.For(configuration.InLambda);
    }

    /// <summary>The services of the process environment, read once (<see cref="ServiceConfiguration.FromEnvironment"/>).</summary>
    /// <param name="clock">The function's one clock (<see cref="LambdaHost"/> chooses it).</param>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names the variable.</exception>
    public static OtpServices FromEnvironment(TimeProvider clock) => new(ServiceConfiguration.FromEnvironment(), clock);

    /// <summary>What init read from the environment.</summary>
    public ServiceConfiguration Configuration { get; }

    public OtpSettings Settings => Configuration.Otp;

    /// <summary>The per-invocation budget and the client timeouts derived from OTP_FUNCTION_TIMEOUT_SECONDS (capped by OTP_AWS_TIMEOUT_CAP_SECONDS when set).</summary>
    public InvocationBudget Budget => Configuration.Budget;

    /// <summary>The one clock every part of the function reads the time from (rules, keys, tokens, signing, log lines).</summary>
    public TimeProvider Clock { get; }

    /// <summary>
    /// Where the handlers' JSON log lines and EMF metric lines go: in Lambda, file descriptor 1
    /// directly (see <see cref="FunctionOutput"/>); elsewhere <see cref="Console.Out"/>.
    /// </summary>
    public TextWriter LogOutput { get; init; }

    public InvocationLog CreateLog(string function) => new(LogOutput, function, Clock, Configuration.FunctionName);

    /// <summary>
    /// The settings, checked for what only the sender needs: a From address, and a timeout long enough to mail one record.
    /// Also parses the mail layout (<see cref="OtpSettings.MailTemplates"/>) here, at the sender's init (so before a SnapStart
    /// snapshot): GenerateOtp and VerifyOtp, which never mail, leave it unloaded.
    /// </summary>
    public OtpSettings RequireSender()
    {
        if (Settings.SenderAddress is null)
        {
            throw new InvalidOperationException("OTP_SENDER_ADDRESS must be set to the SES-verified address mails are sent from.");
        }

        if (Budget.MailRecordAllowance > Budget.Budget)
        {
            throw new InvalidOperationException(
                $"OTP_FUNCTION_TIMEOUT_SECONDS is {Settings.FunctionTimeoutSeconds}: too short for SendOtpEmail to claim, send and mark one mail "
                + $"({Budget.MailRecordAllowance.TotalSeconds:0.##} s needed within a budget of {Budget.Budget.TotalSeconds:0.##} s). Give it at least 8 seconds.");
        }

        _ = Settings.MailTemplates;
        return Settings;
    }

    public IOtpStore CreateStore() => new DynamoDbOtpStore(AwsClientFactory.DynamoDb(Configuration.Aws, Budget), Settings.TableName);

    /// <summary>
    /// The code derivation under the HMAC key ring (Secrets Manager's AWSCURRENT and AWSPREVIOUS in AWS,
    /// re-read every <see cref="CodeDerivation.DefaultRefreshInterval"/> and after a SnapStart restore; a development key locally).
    /// </summary>
    /// <param name="log">The function's log: a failed refresh writes one WARN line with the error type and counts
    /// <see cref="Metric.KeyRefreshFailures"/> (the ring in use keeps serving, so no request fails for it).</param>
    /// <remarks>The first read of the ring follows the class's remarks: a failure there fails the requests that need the ring until a read succeeds.</remarks>
    public CodeDerivation CreateCodeDerivation(InvocationLog? log = null) =>
        new(AtInit(SecretKeyLoader.PlanRing(Configuration.Keys.Signing, Configuration.InLambda, () => SecretsManagerClient.For(Configuration.Aws, Clock, Budget.KeyReadTimeout)), "code key ring"),
            Clock, SecretKeyLoader.RefreshSource(Configuration.Keys.Signing, () => SecretsManagerClient.For(Configuration.Aws, Clock, Budget.SecretsManagerRefreshTimeout)),
            refreshFailed: log is null ? null : failure => LogRefreshFailure(log, failure));

    /// <summary>One WARN line (error type, whether it is an outage or a configuration error) and one count.</summary>
    public static void LogRefreshFailure(InvocationLog log, DependencyException failure)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(failure);
        log.Write("WARN",
        [
            new("event", "key_refresh_failed"),
            new("errorType", failure.ErrorType),
            new("failureClass", failure.IsTransient ? "transient" : "configuration"),
            new("error", failure.Message),
        ]);
        log.WriteMetrics([new(Metric.KeyRefreshFailures, 1)]);
    }

    /// <summary>
    /// The token issuer and JWKS: in AWS the signing key from its Secrets Manager secret (signing in memory)
    /// or the KMS signing key (and the other key of a rotation), the development ES256 key locally; the
    /// subject key; the token settings. The KMS client's timeouts come from <see cref="Budget"/>, so a
    /// Sign at verify time fits inside the invocation.
    /// </summary>
    /// <param name="log">The function's log: a failed refresh of the token keys writes one WARN line and one count (<see cref="LogRefreshFailure"/>).</param>
    public IdentityTokens CreateTokens(InvocationLog? log = null)
    {
        var keys = TokenSigningKeyLoader.Plan(
            Configuration.Keys.Token, Configuration.InLambda, () => AwsClientFactory.Kms(Configuration.Aws, Budget),
            () => SecretsManagerClient.For(Configuration.Aws, Clock, Budget.KeyReadTimeout), Clock);
        var subjects = SecretKeyLoader.Plan(
            Configuration.Keys.Subject, Configuration.InLambda, () => SecretsManagerClient.For(Configuration.Aws, Clock, Budget.KeyReadTimeout),
            ring => new SubjectIdentifiers(ring.Current.Material.ToArray()));
        return new IdentityTokens(AtInit(keys, "token keys"), AtInit(subjects, "subject key"), Configuration.Tokens, Clock)
        {
            Refresh = TokenSigningKeyLoader.RefreshSource(
                Configuration.Keys.Token, () => SecretsManagerClient.For(Configuration.Aws, Clock, Budget.SecretsManagerRefreshTimeout), Clock),
            RefreshFailed = log is null ? null : failure => LogRefreshFailure(log, failure),
        };
    }

    /// <summary>The caller pseudonyms for the per-client limits (a Secrets Manager key in AWS, a development key locally).</summary>
    public ClientTagger CreateClientTagger() =>
        new(AtInit(SecretKeyLoader.PlanBytes(Configuration.Keys.Client, Configuration.InLambda, () => SecretsManagerClient.For(Configuration.Aws, Clock, Budget.KeyReadTimeout)), "client key"));

    /// <summary>Starts <paramref name="key"/>'s read, for <see cref="AwaitKeyReads"/> to wait for with the others.</summary>
    private DeferredKey<T> AtInit<T>(DeferredKey<T> key, string what)
        where T : class
    {
        key.Start();
        lock (_keyReads)
        {
            _keyReads.Add((what, key.Wait, () => key.Value is not null));
        }

        return key;
    }

    /// <summary>
    /// Waits for the key reads the <c>Create*</c> methods started (they run in parallel: VerifyOtp's four
    /// reads take one round trip, not four), all together at most <see cref="InitKeyWait"/> from init's start.
    /// A failed read writes one line (ERROR for a refusal, WARN for an outage) and counts <see cref="Metric.KeyReadFailures"/>;
    /// a read still running writes one WARN line. Either way the function is built, its keys read again when a request needs them.
    /// Each function's constructor calls it last.
    /// </summary>
    public void AwaitKeyReads()
    {
        (string What, Func<TimeSpan, Exception?> Wait, Func<bool> IsIn)[] reads;
        lock (_keyReads)
        {
            reads = [.. _keyReads];
            _keyReads.Clear();
        }

        foreach (var (what, wait, isIn) in reads)
        {
            var left = InitKeyWait - Clock.GetElapsedTime(_initStarted);
            var failure = wait(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (failure is null && isIn())
            {
                continue;
            }

            var log = new InvocationLog(LogOutput, "init", Clock, Configuration.FunctionName);
            if (failure is null)
            {
                log.Write("WARN",
                [
                    new("event", "key_read_pending"),
                    new("key", what),
                    new("error", $"not read within init's {InitKeyWait.TotalSeconds:0} s; the first request that needs it waits for it"),
                ]);
                continue;
            }

            var (errorType, transient) = failure is DependencyException e ? (e.ErrorType, e.IsTransient) : (failure.GetType().Name, false);
            log.Write(transient ? "WARN" : "ERROR",
            [
                new("event", "key_read_failed"),
                new("key", what),
                new("errorType", errorType),
                new("failureClass", transient ? "transient" : "configuration"),
                new("error", failure.Message),
            ]);
            log.WriteMetrics([new(Metric.KeyReadFailures, 1)]);
        }
    }

    public IEmailSender CreateEmailSender() => SesV2EmailSender.For(Configuration.Aws, Clock, Budget.SesCallTimeout);
}
