using OtpService.Tests.Integration;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// Every write gives the same result whether the SDK sends it once or twice. The fault is real
/// (<see cref="ResponseWithholdingProxy"/>): the emulator applies the write, its response is lost,
/// the client's attempt times out and the SDK's standard retry sends the write again, which the
/// first send's effect refuses (or, for a count, would count again). Each rule is run through the
/// production DynamoDB client behind the proxy: generate answers 202, a right code 200, a wrong
/// code decrements attemptsRemaining once, a mail goes out, and each count is one.
/// </summary>
public abstract class WriteRetryContract : IAsyncLifetime
{
    protected const string Address = "retry@example.com";
    protected const string Caller = "198.51.100.10";
    private const long Now = 1_800_000_000;

    /// <summary>A mark (<c>USED_AT</c> set) and a wrong guess (<c>GUESSES</c> counted) both write the address record by UpdateItem.</summary>
    protected const string UpdateItem = "DynamoDB_20120810.UpdateItem";

    private ResponseWithholdingProxy? _proxy;
    private DynamoDbOtpStore? _direct;
    private DynamoDbOtpStore? _retried;
    private string? _whyNot;

    /// <summary>In front of the emulator; skips the test (with the reason) where the emulator cannot run here.</summary>
    protected ResponseWithholdingProxy Proxy => Available(_proxy);

    /// <summary>Straight to the emulator: for setting up and reading back.</summary>
    protected DynamoDbOtpStore Direct => Available(_direct);

    /// <summary>Through the proxy, on the functions' own client (attempt timeouts, one standard-mode retry).</summary>
    protected DynamoDbOtpStore Retried => Available(_retried);

    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(Now));
    protected OtpSettings Settings { get; } = new() { SenderAddress = "no-reply@example.com" };
    protected CodeDerivation Codes { get; } = TestKeys.Derivation();
    protected ClientTagger Tagger { get; } = TestKeys.Tagger();
    protected RecordingEmailSender Mail { get; } = new();

    /// <summary>The X-Amz-Target of the request that writes the address record on issue here (UpdateItem, or TransactWriteItems).</summary>
    protected abstract string IssueOperation { get; }

    /// <summary>
    /// The X-Amz-Target of the request that writes the address record on verify here: UpdateItem,
    /// or TransactWriteItems where the client's failure count rides in the same write (as on issue).
    /// </summary>
    protected string VerifyOperation => IssueOperation;

    /// <summary>The emulator's endpoint and a client for it, or null and why it cannot run here.</summary>
    protected abstract Task<(Uri? Endpoint, string? WhyNot)> StartAsync();

    public async Task InitializeAsync()
    {
        (var endpoint, _whyNot) = await StartAsync();
        if (endpoint is null)
        {
            return;
        }

        var table = $"otp_retry_{Guid.NewGuid():N}";
        using (var admin = LocalTable.CreateClient(endpoint))
        {
            await LocalTable.CreateAsync(admin, table, TimeProvider.System, CancellationToken.None);
        }

        _direct = new DynamoDbOtpStore(LocalTable.CreateClient(endpoint), table);
        _proxy = new ResponseWithholdingProxy(endpoint);
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = _proxy.Url.ToString().TrimEnd('/'),
            ["AWS_REGION"] = "us-east-1",
        };
        // The production client with a 2 s attempt timeout (the most any budget gives): a loaded
        // machine's slow answer is not taken for the withheld one, and the withheld one still ends.
        _retried = new DynamoDbOtpStore(AwsClientFactory.DynamoDb(ServiceConfiguration.ReadAwsSettings(env.GetValueOrDefault), InvocationBudget.ForTimeout(30)), table);
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    private T Available<T>(T? part)
        where T : class
    {
        Skip.If(_whyNot is not null, _whyNot);
        return part!;
    }

    protected OtpIssuer Issuer(IOtpStore store) => new(store, Settings, Clock, Tagger);

    protected OtpVerifier Verifier(IOtpStore store) => new(store, Codes, Settings, Clock, Tagger);

    /// <summary>The code the mail would carry for the address's newest code.</summary>
    protected async Task<string> NewestCodeAsync()
    {
        var code = (await Direct.LoadNewestAsync(Address, default)).Code!;
        return Codes.Derive(Codes.CurrentKeyVersion, Address, code.Nonce, code.Digits);
    }

    [SkippableTheory]
    [InlineData(WindowCounter.Requests, "addrA")]
    [InlineData(WindowCounter.Failures, null)]
    [InlineData(WindowCounter.Sends, null)]
    public async Task Count_WhoseResponseIsLost_AndRetried_CountsOnce(WindowCounter counter, string? member)
    {
        var window = new WindowKey("client#retry-count-" + counter, Now + 3600);

        Proxy.WithholdNextResponse();
        Assert.True(await Retried.TryCountAsync(window, counter, "x", 2, member, 1, Now + 7200, default));
        Assert.Equal(1, Proxy.Withheld);

        // Counted once: one more fits under the limit of 2, then none.
        Assert.True(await Direct.TryCountAsync(window, counter, "y", 2, member, 1, Now + 7200, default));
        Assert.False(await Direct.TryCountAsync(window, counter, "z", 2, member, 1, Now + 7200, default));
    }

    [SkippableTheory]
    [InlineData(WindowCounter.Requests)]
    [InlineData(WindowCounter.Failures)]
    [InlineData(WindowCounter.Sends)]
    public async Task Uncount_WhoseResponseIsLost_AndRetried_TakesBackOnce(WindowCounter counter)
    {
        var window = new WindowKey("client#retry-uncount-" + counter, Now + 3600);
        Assert.True(await Direct.TryCountAsync(window, counter, "a", 2, null, 0, Now + 7200, default));
        Assert.True(await Direct.TryCountAsync(window, counter, "b", 2, null, 0, Now + 7200, default));

        Proxy.WithholdNextResponse();
        await Retried.UncountAsync(window, counter, "a", default);
        Assert.Equal(1, Proxy.Withheld);

        // Taken back once: one place is free again, not two.
        Assert.True(await Direct.TryCountAsync(window, counter, "c", 2, null, 0, Now + 7200, default));
        Assert.False(await Direct.TryCountAsync(window, counter, "d", 2, null, 0, Now + 7200, default));
    }

    [SkippableFact]
    public async Task Generate_WhoseRecordWriteResponseIsLost_AndRetried_AnswersSent_AndSendsOnce()
    {
        Proxy.WithholdResponseTo(r => r.Contains(IssueOperation, StringComparison.Ordinal) && r.Contains(OtpTable.SendTat, StringComparison.Ordinal));

        var outcome = await Issuer(Retried).IssueAsync(Address, Caller, default);

        Assert.Equal(1, Proxy.Withheld);
        await AssertSentOnceAsync(outcome);
    }

    [SkippableFact]
    public async Task Verify_RightCode_WhoseMarkResponseIsLost_AndRetried_AnswersVerified_AndUsesOnce()
    {
        Assert.Equal(GenerateStatus.Sent, (await Issuer(Direct).IssueAsync(Address, Caller, default)).Status);
        var code = await NewestCodeAsync();
        Proxy.WithholdResponseTo(r => r.Contains(VerifyOperation, StringComparison.Ordinal) && r.Contains(OtpTable.UsedAt, StringComparison.Ordinal));

        var outcome = await Verifier(Retried).VerifyAsync(Address, code, Caller, default);

        Assert.Equal(1, Proxy.Withheld);
        Assert.Equal(VerifyStatus.Verified, outcome.Status);
        var state = await Direct.LoadAddressAsync(Address, default);
        Assert.Equal((Now, 2L), (state.UsedAt, state.Version));
        Assert.Equal(VerifyStatus.AlreadyUsed, (await Verifier(Direct).VerifyAsync(Address, code, Caller, default)).Status);
    }

    [SkippableFact]
    public async Task Verify_WrongCode_WhoseGuessResponseIsLost_AndRetried_CountsOnce_AndTheLimitComesAtItsTry()
    {
        Assert.Equal(GenerateStatus.Sent, (await Issuer(Direct).IssueAsync(Address, Caller, default)).Status);
        var wrong = RuleHarness.Wrong(await NewestCodeAsync());
        Proxy.WithholdResponseTo(r => r.Contains(VerifyOperation, StringComparison.Ordinal) && r.Contains(OtpTable.Guesses, StringComparison.Ordinal));

        var outcome = await Verifier(Retried).VerifyAsync(Address, wrong, Caller, default);

        Assert.Equal(1, Proxy.Withheld);
        Assert.Equal((VerifyStatus.WrongCode, Settings.MaxAttempts - 1), (outcome.Status, outcome.AttemptsRemaining));
        var state = await Direct.LoadAddressAsync(Address, default);
        Assert.Equal((1, 1), (state.Attempts, state.GuessesBy(Tagger.Client(Caller))));

        // The client's remaining tries are all there: the last one answers 401, the next 429.
        for (var left = Settings.MaxAttempts - 2; left >= 0; left--)
        {
            var next = await Verifier(Direct).VerifyAsync(Address, wrong, Caller, default);
            Assert.Equal((VerifyStatus.WrongCode, left), (next.Status, next.AttemptsRemaining));
        }

        Assert.Equal(VerifyStatus.TooManyAttempts, (await Verifier(Direct).VerifyAsync(Address, wrong, Caller, default)).Status);
    }

    [SkippableFact]
    public async Task Mail_WhoseClaimResponseIsLost_AndRetried_SendsTheMailOnce()
    {
        Assert.Equal(GenerateStatus.Sent, (await Issuer(Direct).IssueAsync(Address, Caller, default)).Status);
        var newest = (await Direct.LoadNewestAsync(Address, default)).Code!;
        Proxy.WithholdResponseTo(r => r.Contains(UpdateItem, StringComparison.Ordinal) && r.Contains(OtpTable.MailClaimedAt, StringComparison.Ordinal));

        var result = await new OtpMailer(Retried, Mail, Codes, Settings, Clock).MailAsync(Address, newest.ExpiresAt, default);

        Assert.Equal(1, Proxy.Withheld);
        Assert.Equal(MailOutcome.Sent, result.Outcome);
        Assert.Contains(await NewestCodeAsync(), Assert.Single(Mail.Sent).TextBody, StringComparison.Ordinal);
        Assert.Equal(Now, (await Direct.GetAsync(Address, newest.ExpiresAt, default))?.MailedAt);
    }

    /// <summary>The generate answered 202 and wrote one send: the record once (version 1), its code the newest, and that code verifies.</summary>
    protected async Task AssertSentOnceAsync(GenerateOutcome outcome)
    {
        Assert.Equal(GenerateStatus.Sent, outcome.Status);
        var newest = await Direct.LoadNewestAsync(Address, default);
        Assert.Equal((1L, newest.Code!.ExpiresAt), (newest.State.Version, newest.State.Newest!.Value));
        Assert.True(VerificationId.Belongs(outcome.VerificationId!, newest.Code.VerificationIdHash));
        Assert.Equal(VerifyStatus.Verified, (await Verifier(Direct).VerifyAsync(Address, await NewestCodeAsync(), Caller, default)).Status);
    }
}

/// <summary>On dynalite, where a code is issued in two writes (the record, then the code): either one's response can be lost.</summary>
public sealed class WriteRetryTests : WriteRetryContract
{
    protected override string IssueOperation => UpdateItem;

    protected override async Task<(Uri? Endpoint, string? WhyNot)> StartAsync() => ((await EmulatorFixture.StartedAsync()).DynamoDbEndpoint, null);

    [SkippableFact]
    public async Task Generate_WhoseCodeWriteResponseIsLost_AndRetried_AnswersSent_AndSendsOnce()
    {
        Proxy.WithholdResponseTo(r => r.Contains("DynamoDB_20120810.PutItem", StringComparison.Ordinal));

        var outcome = await Issuer(Retried).IssueAsync(Address, Caller, default);

        Assert.Equal(1, Proxy.Withheld);
        await AssertSentOnceAsync(outcome);
    }
}

/// <summary>On moto's server, where a code is issued in one TransactWriteItems, as in AWS. Skipped where moto is missing.</summary>
public sealed class WriteRetryMotoTests : WriteRetryContract
{
    protected override string IssueOperation => "DynamoDB_20120810.TransactWriteItems";

    protected override async Task<(Uri? Endpoint, string? WhyNot)> StartAsync() =>
        MotoServer.WhyUnavailable is { } why ? (null, why) : ((await MotoServer.SharedAsync()).Endpoint, null);
}
