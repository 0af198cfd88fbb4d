using OtpService.Tests.Integration;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Aws;

/// <summary>
/// The HMAC key ring against a real Secrets Manager emulator (moto's server): version stages move
/// on a rotation (PutSecretValue) exactly as in AWS, and codes mailed under the previous version
/// still derive after it. Skipped, with the reason, where moto is missing.
/// </summary>
public class SecretsManagerKeyRingTests
{
    private const string FirstKey = "first-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP";
    private const string SecondKey = "second-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNO";
    private static readonly byte[] Nonce = Convert.FromHexString("00112233445566778899aabbccddeeff");

    private static async Task<(Func<string, string?> Environment, string SecretArn)> SecretAsync(string value)
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var moto = await MotoServer.SharedAsync();
        using var client = MotoClient(moto);
        var created = await client.CreateSecretAsync($"otp-test-{Guid.NewGuid():N}", value);
        var map = new Dictionary<string, string>(moto.AwsEnvironment()) { [HmacKey.Signing.SecretArnVariable] = created };
        return (map.GetValueOrDefault, created);
    }

    private static MotoSecrets MotoClient(MotoServer moto) => new(moto);

    [SkippableFact]
    public async Task ASecretNeverRotated_GivesARingOfOne_UnderItsVersionId()
    {
        var (environment, _) = await SecretAsync(FirstKey);

        var ring = await TestConfiguration.SigningKeys(environment).GetAsync(default);

        Assert.Null(ring.Previous);
        Assert.Equal(36, ring.Current.Version.Length); // A UUID, as Secrets Manager gives.
        Assert.Equal(Encoding.UTF8.GetBytes(FirstKey), ring.Current.Material.ToArray());
    }

    [SkippableFact]
    public async Task AfterARotation_TheRingHoldsBothVersions_AndCodesMailedUnderThePreviousOneStillDerive()
    {
        var (environment, secretArn) = await SecretAsync(FirstKey);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var codes = Derivations.Of(await TestConfiguration.SigningKeys(environment).GetAsync(default), clock, TestConfiguration.SigningKeyRefresh(environment));
        var mailedVersion = codes.CurrentKeyVersion;
        var mailedCode = codes.Derive(mailedVersion, "user@example.com", Nonce, 6);

        using (var client = MotoClient(await MotoServer.SharedAsync()))
        {
            await client.PutSecretValueAsync(secretArn, SecondKey);
        }

        clock.Advance(CodeDerivation.DefaultRefreshInterval);
        await codes.RefreshAsync(null, default);

        Assert.NotEqual(mailedVersion, codes.CurrentKeyVersion);
        Assert.Equal(mailedCode, codes.Derive(mailedVersion, "user@example.com", Nonce, 6)); // not the current version, so the ring's previous one (AWSPREVIOUS)
        Assert.NotEqual(mailedCode, codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 6));
        Assert.Equal(Derivations.Fixed(Encoding.UTF8.GetBytes(SecondKey), TimeProvider.System).Derive(OtpKey.LocalVersion, "user@example.com", Nonce, 6), codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 6));
    }

    [SkippableFact]
    public async Task AVersionSeenFirstByTheOtherFunction_IsLoadedOnDemand()
    {
        var (environment, secretArn) = await SecretAsync(FirstKey);
        var codes = Derivations.Of(await TestConfiguration.SigningKeys(environment).GetAsync(default), new FakeTimeProvider(DateTimeOffset.UtcNow), TestConfiguration.SigningKeyRefresh(environment));

        string newVersion;
        using (var client = MotoClient(await MotoServer.SharedAsync()))
        {
            newVersion = await client.PutSecretValueAsync(secretArn, SecondKey);
        }

        await codes.RefreshAsync(newVersion, default);

        Assert.Equal(newVersion, codes.CurrentKeyVersion);
    }

    /// <summary>
    /// The rules over dynalite with each function's own key ring read from moto's Secrets Manager, as
    /// SendOtpEmail and VerifyOtp hold theirs. Mail is captured in memory (the subject is the key,
    /// not SES). <paramref name="keyClock"/> moves the rings' age; the codes' clock stays put.
    /// </summary>
    private sealed class TwoFunctions
    {
        private const string Address = "rotation@example.com";
        private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
        private readonly Tests.Support.RecordingEmailSender _mail = new();
        private readonly OtpSettings _settings = new() { SenderAddress = "no-reply@example.com", ResendCooldownSeconds = 0, ClientMaxSendsPerAddressPerHour = 5 };
        private DynamoDbOtpStore _store = null!;
        private OtpIssuer _issuer = null!;

        public CodeDerivation MailerKeys { get; private set; } = null!;

        public static async Task<TwoFunctions> StartAsync(Func<string, string?> environment, FakeTimeProvider keyClock)
        {
            var emulators = await EmulatorFixture.StartedAsync();
            var table = await emulators.CreateTableAsync();
            var functions = new TwoFunctions();
            functions._store = new DynamoDbOtpStore(TestConfiguration.DynamoDb(emulators.LambdaEnvironment(table).GetValueOrDefault), table);
            functions._issuer = new OtpIssuer(functions._store, functions._settings, functions._clock, Tests.Support.TestKeys.Tagger());
            functions.MailerKeys = await ColdStartAsync(environment, keyClock);
            return functions;
        }

        public static async Task<CodeDerivation> ColdStartAsync(Func<string, string?> environment, FakeTimeProvider keyClock) =>
            Derivations.Of(await TestConfiguration.SigningKeys(environment).GetAsync(default), keyClock, TestConfiguration.SigningKeyRefresh(environment));

        /// <summary>Generate, then SendOtpEmail's rule; the code as the mail shows it.</summary>
        public async Task<string> IssueAndMailAsync()
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(GenerateStatus.Sent, (await _issuer.IssueAsync(Address, "198.51.100.10", default)).Status);
            var newest = (await _store.LoadNewestAsync(Address, default)).Code!;
            var mailer = new OtpMailer(_store, _mail, MailerKeys, _settings, _clock);
            Assert.Equal(MailOutcome.Sent, (await mailer.MailAsync(Address, newest.ExpiresAt, default)).Outcome);
            return _mail.LastCode(Address);
        }

        public async Task<string?> MailedKeyVersionAsync() => (await _store.LoadNewestAsync(Address, default)).Code!.KeyVersion;

        public Task<VerifyOutcome> VerifyAsync(CodeDerivation verifierKeys, string code) =>
            new OtpVerifier(_store, verifierKeys, _settings, _clock, Tests.Support.TestKeys.Tagger()).VerifyAsync(Address, code, "198.51.100.10", default);
    }

    [SkippableFact]
    public async Task ARotationBetweenMailingAndVerifying_LeavesTheCodeValid_AndASecondOneFailsItSafe()
    {
        var (environment, secretArn) = await SecretAsync(FirstKey);
        var keyClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var functions = await TwoFunctions.StartAsync(environment, keyClock);
        // Its own clock never moves: its ring stays fresh, so only a code naming a version it lacks makes it read again.
        var verifierBefore = await TwoFunctions.ColdStartAsync(environment, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var mailedBefore = await functions.IssueAndMailAsync();
        var firstVersion = await functions.MailedKeyVersionAsync();
        Assert.Equal(functions.MailerKeys.CurrentKeyVersion, firstVersion);

        using var secrets = MotoClient(await MotoServer.SharedAsync());
        var secondVersion = await secrets.PutSecretValueAsync(secretArn, SecondKey);

        // A VerifyOtp started after the rotation (current: the new key) still takes the code mailed before it.
        var verifierAfter = await TwoFunctions.ColdStartAsync(environment, keyClock);
        Assert.Equal(secondVersion, verifierAfter.CurrentKeyVersion);
        Assert.Equal(VerifyStatus.Verified, (await functions.VerifyAsync(verifierAfter, mailedBefore)).Status);

        // SendOtpEmail picks up the new key on its refresh; a VerifyOtp still on the old ring loads it when a code names it.
        keyClock.Advance(CodeDerivation.DefaultRefreshInterval);
        var mailedAfter = await functions.IssueAndMailAsync();
        Assert.Equal(secondVersion, await functions.MailedKeyVersionAsync());
        Assert.Equal(VerifyStatus.Verified, (await functions.VerifyAsync(verifierBefore, mailedAfter)).Status);
        Assert.Equal(secondVersion, verifierBefore.CurrentKeyVersion);

        // Rotated again within the code's lifetime: the first version is in neither stage.
        var mailedUnderSecond = await functions.IssueAndMailAsync();
        await secrets.PutSecretValueAsync(secretArn, FirstKey + "-third");
        await secrets.PutSecretValueAsync(secretArn, SecondKey + "-fourth");
        var verifierLater = await TwoFunctions.ColdStartAsync(environment, keyClock);
        var outcome = await functions.VerifyAsync(verifierLater, mailedUnderSecond);
        Assert.Equal(VerifyStatus.WrongCode, outcome.Status);
        Assert.Equal(OtpVerifier.KeyVersionUnknown, outcome.Note);
    }

    [SkippableFact]
    public async Task AMissingSecret_IsAConfigurationFailure_NamingTheCall()
    {
        Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable);
        var moto = await MotoServer.SharedAsync();
        var map = new Dictionary<string, string>(moto.AwsEnvironment()) { [HmacKey.Signing.SecretArnVariable] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf" };

        // What a function's first read at init (and each read after it) meets: a configuration error, not an outage.
        var read = Assert.IsType<DependencyException>(await Record.ExceptionAsync(() => TestConfiguration.SigningKeys(map.GetValueOrDefault).GetAsync(default).AsTask()));
        Assert.Equal(("ResourceNotFoundException", false), (read.ErrorType, read.IsTransient));
        Assert.Contains("GetSecretValue", read.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ARefreshRefused_KeepsTheRing_AndWritesAWarnLineAndACount_AsAConfigurationError()
    {
        // A real refusal: the secret is deleted after the function started (moto answers ResourceNotFoundException).
        var (environment, secretArn) = await SecretAsync(FirstKey);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new StringWriter();
        var services = new OtpService.Core.Lambda.OtpServices(OtpService.Core.Lambda.ServiceConfiguration.Read(environment), clock) { LogOutput = logs };
        var codes = services.CreateCodeDerivation(services.CreateLog("VerifyOtp"));
        services.AwaitKeyReads(); // as a function does at the end of init
        var before = codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 6);
        using (var client = MotoClient(await MotoServer.SharedAsync()))
        {
            await client.DeleteSecretAsync(secretArn);
        }

        clock.Advance(CodeDerivation.DefaultRefreshInterval);
        await codes.RefreshAsync(null, default);

        Assert.Equal(before, codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 6));
        var line = RefreshFailureLine(logs);
        Assert.Equal(("WARN", "ResourceNotFoundException", "configuration"), (line.GetProperty("level").GetString(), line.GetProperty("errorType").GetString(), line.GetProperty("failureClass").GetString()));
        Assert.Equal(1, Support.EmfDocument.MetricsIn(logs.ToString())[OtpService.Core.Lambda.MetricNames.KeyRefreshFailures]);
        Assert.DoesNotContain(FirstKey, logs.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARefreshAgainstAnUnreachableSecretsManager_EndsWithinItsTimeout_KeepsTheRing_AndIsCountedAsTransient(bool hanging)
    {
        // Real faults: a socket that accepts and never answers, or a port with nothing listening.
        await using var hangingEndpoint = new Support.HangingEndpoint();
        var url = hanging ? hangingEndpoint.Url : new Uri($"http://127.0.0.1:{OtpService.Local.Emulators.Ports.FreePort()}");
        var environment = new Dictionary<string, string>
        {
            [HmacKey.Signing.SecretArnVariable] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:otp-AbCdEf",
            ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = url.ToString(),
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "testing",
            ["AWS_SECRET_ACCESS_KEY"] = "testing",
        };
        var budget = OtpService.Core.Rules.InvocationBudget.ForTimeout(3);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new StringWriter();
        var log = new OtpService.Core.Lambda.InvocationLog(logs, "VerifyOtp", clock);
        var ring = new OtpKeyRing(new OtpKey("v1", Encoding.UTF8.GetBytes(FirstKey)));
        var codes = Derivations.Of(ring, clock, TestConfiguration.SigningKeyRefresh(environment.GetValueOrDefault, budget.SecretsManagerRefreshTimeout),
            refreshFailed: f => OtpService.Core.Lambda.OtpServices.LogRefreshFailure(log, f));

        clock.Advance(CodeDerivation.DefaultRefreshInterval);
        // The guard only keeps a regression from hanging the suite; the refresh's own timeout (0.25 s here) ends it.
        await codes.RefreshAsync(null, default).AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("v1", codes.CurrentKeyVersion);
        var line = RefreshFailureLine(logs);
        Assert.Equal((hanging ? "Timeout" : "ConnectionFailure", "transient"), (line.GetProperty("errorType").GetString(), line.GetProperty("failureClass").GetString()));
    }

    private static System.Text.Json.JsonElement RefreshFailureLine(StringWriter logs) =>
        System.Text.Json.JsonDocument.Parse(Assert.Single(
            logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("\"key_refresh_failed\"", StringComparison.Ordinal) && !Support.EmfDocument.IsEmf(l))).RootElement.Clone();
}
