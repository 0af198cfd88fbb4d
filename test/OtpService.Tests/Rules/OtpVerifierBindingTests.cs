using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// Verify's answers to an earlier mail's code (issue 10, item 4), to a verification id (issue 12,
/// item 1) and to a code mailed under a key rotated since (issue 12, item 4).
/// </summary>
public class OtpVerifierBindingTests
{
    private const string Address = "user@example.com";
    private static readonly OtpSettings NoCooldown = new() { ResendCooldownSeconds = 0, ClientMaxSendsPerAddressPerHour = 5, MaxSendsPerHour = 5 };

    private static async Task<(RuleHarness H, List<string> Ids)> IssuedTimes(int times, OtpSettings? settings = null, CodeDerivation? codes = null)
    {
        var h = new RuleHarness(settings ?? NoCooldown, codes);
        var ids = new List<string>();
        for (var i = 0; i < times; i++)
        {
            if (i > 0)
            {
                h.Advance(1);
            }

            ids.Add((await h.Issuer.IssueAsync(Address, RuleHarness.OtherClient, default)).VerificationId!);
        }

        return (h, ids);
    }

    private static int ClientFailures(RuleHarness h) =>
        h.Store.Count(AbuseLimits.ClientWindow(h.Tagger.Client(RuleHarness.Client), h.Now), WindowCounter.Failures);

    // --- superseded (issue 10, item 4) ---

    [Fact]
    public async Task AnEarlierMailsCode_IsSuperseded_CountedAgainstNothing_AndTheNewestStillVerifies()
    {
        var (h, _) = await IssuedTimes(2);
        var earlier = h.CodeAt(Address, 1);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(new VerifyOutcome(VerifyStatus.Superseded), await h.Verifier.VerifyAsync(Address, earlier, RuleHarness.Client, default));
        }

        var record = h.Store.Record(Address);
        Assert.Equal(0, record.Attempts);
        Assert.Empty(record.Guesses);
        Assert.Equal(0, record.Failures);
        Assert.Equal(0, ClientFailures(h));
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task TheCodesOfTheTwoMailsBeforeTheNewest_AreSuperseded_AnOlderOneIsWrong()
    {
        var (h, _) = await IssuedTimes(4);

        Assert.Equal(VerifyStatus.Superseded, (await h.Verifier.VerifyAsync(Address, h.CodeAt(Address, 1), RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Superseded, (await h.Verifier.VerifyAsync(Address, h.CodeAt(Address, 2), RuleHarness.Client, default)).Status);
        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: 4), await h.Verifier.VerifyAsync(Address, h.CodeAt(Address, 3), RuleHarness.Client, default));
    }

    [Fact]
    public async Task AnEarlierCodePastItsExpiry_IsAPlainWrongCode_Counted()
    {
        var h = new RuleHarness(NoCooldown);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        h.Advance(100);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var earlier = h.CodeAt(Address, 1);
        h.Advance(20);
        Assert.Equal(VerifyStatus.Superseded, (await h.Verifier.VerifyAsync(Address, earlier, RuleHarness.Client, default)).Status);

        h.Advance(1);

        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: 4), await h.Verifier.VerifyAsync(Address, earlier, RuleHarness.Client, default));
        Assert.Equal(1, h.Store.Record(Address).Attempts);
    }

    [Fact]
    public async Task AnEarlierCode_AfterTheNewestIsUsedOrExpiredOrLocked_GetsTheNewestsAnswer()
    {
        var (used, _) = await IssuedTimes(2);
        await used.Verifier.VerifyAsync(Address, used.CurrentCode(Address), RuleHarness.Client, default);
        Assert.Equal(VerifyStatus.AlreadyUsed, (await used.Verifier.VerifyAsync(Address, used.CodeAt(Address, 1), RuleHarness.Client, default)).Status);

        var (expired, _) = await IssuedTimes(2);
        expired.Advance(200);
        Assert.Equal(VerifyStatus.Expired, (await expired.Verifier.VerifyAsync(Address, expired.CodeAt(Address, 1), RuleHarness.Client, default)).Status);

        var (locked, _) = await IssuedTimes(2);
        for (var i = 0; i < 5; i++)
        {
            await locked.Verifier.VerifyAsync(Address, RuleHarness.Wrong(locked.CurrentCode(Address)), RuleHarness.Client, default);
        }

        Assert.Equal(VerifyStatus.TooManyAttempts, (await locked.Verifier.VerifyAsync(Address, locked.CodeAt(Address, 1), RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task AClientAtItsHourlyFailureLimit_IsRefusedBeforeAnEarlierCodeIsJudged()
    {
        var (h, _) = await IssuedTimes(2, NoCooldown with { ClientMaxFailuresPerHour = 1 });
        await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), RuleHarness.Client, default);

        Assert.Equal(VerifyStatus.ClientLimited, (await h.Verifier.VerifyAsync(Address, h.CodeAt(Address, 1), RuleHarness.Client, default)).Status);
    }

    // --- verification id (issue 12, item 1) ---

    [Fact]
    public async Task TheNewestRequestsId_WithItsCode_Verifies()
    {
        var (h, ids) = await IssuedTimes(2);

        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), ids[1], RuleHarness.Client, null, default)).Status);
    }

    [Fact]
    public async Task AnEarlierRequestsId_OrAnotherAddresssId_OrANeverIssuedOne_IsAMismatch_ThatCountsNoGuess()
    {
        var (h, ids) = await IssuedTimes(2);
        var other = (await h.Issuer.IssueAsync("other@example.com", RuleHarness.OtherClient, default)).VerificationId!;
        var code = h.CurrentCode(Address);

        foreach (var id in new[] { ids[0], other, VerificationId.New().Id })
        {
            Assert.Equal(new VerifyOutcome(VerifyStatus.VerificationIdMismatch), await h.Verifier.VerifyAsync(Address, code, id, RuleHarness.Client, null, default));
            Assert.Equal(new VerifyOutcome(VerifyStatus.VerificationIdMismatch), await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(code), id, RuleHarness.Client, null, default));
        }

        Assert.Equal(0, h.Store.Record(Address).Attempts);
        Assert.Null(h.Store.Record(Address).UsedAt);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, code, ids[1], RuleHarness.Client, null, default)).Status);
    }

    [Fact]
    public async Task AMismatchedId_StillCountsAsTheClientsFailedVerification()
    {
        var (h, ids) = await IssuedTimes(2, NoCooldown with { ClientMaxFailuresPerHour = 2 });

        await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), ids[0], RuleHarness.Client, null, default);
        await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), ids[0], RuleHarness.Client, null, default);

        Assert.Equal(2, ClientFailures(h));
        Assert.Equal(VerifyStatus.ClientLimited, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), ids[1], RuleHarness.Client, null, default)).Status);
    }

    [Fact]
    public async Task TheRightId_WithAWrongOrEarlierCode_IsJudgedAsWithoutOne()
    {
        var (h, ids) = await IssuedTimes(2);

        Assert.Equal(VerifyStatus.Superseded, (await h.Verifier.VerifyAsync(Address, h.CodeAt(Address, 1), ids[1], RuleHarness.Client, null, default)).Status);
        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: 4), await h.Verifier.VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), ids[1], RuleHarness.Client, null, default));
    }

    [Fact]
    public async Task AnId_ForACodeStoredWithoutOne_IsAMismatch_WhileNoIdVerifiesAsTheSeed()
    {
        var h = new RuleHarness();
        var store = new NoIdStore(h);
        var issuer = new OtpIssuer(store, h.Settings, h.Clock, h.Tagger);
        var id = (await issuer.IssueAsync(Address, RuleHarness.Client, default)).VerificationId!;
        Assert.Null(h.Store.Codes(Address)[0].VerificationIdHash);

        Assert.Equal(VerifyStatus.VerificationIdMismatch, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), id, RuleHarness.Client, null, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
    }

    /// <summary>Drops the id's hash as a code written before ids existed would lack it.</summary>
    private sealed class NoIdStore(RuleHarness h) : DelegatingStore(h.Store)
    {
        public override Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken) =>
            base.TryIssueAsync(code with { VerificationIdHash = null }, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
    }

    // --- key versions (issue 12, item 4) ---

    private static readonly OtpKey KeyV1 = new("v1", Enumerable.Repeat((byte)1, 32).ToArray());
    private static readonly OtpKey KeyV2 = new("v2", Enumerable.Repeat((byte)2, 32).ToArray());
    private static readonly OtpKey KeyV3 = new("v3", Enumerable.Repeat((byte)3, 32).ToArray());

    /// <summary>Stands in for the secret's stages: a rotation is a new ring; counts reads.</summary>
    private sealed class Stages(OtpKeyRing ring) : IOtpKeySource
    {
        public OtpKeyRing Ring { get; set; } = ring;

        public Task<OtpKeyRing> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Ring);
    }

    private static async Task<(RuleHarness H, string Mailed)> MailedUnderV1(Stages stages, FakeTimeProvider clock)
    {
        var h = new RuleHarness(null, Derivations.Of(stages.Ring, clock, stages));
        h.Clock.SetUtcNow(clock.GetUtcNow());
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, h.Store.Codes(Address)[0].ExpiresAt, default)).Outcome);
        return (h, h.Mail.LastCode(Address));
    }

    [Fact]
    public async Task TheMail_RecordsTheKeyVersionItsCodeWasDerivedUnder()
    {
        var stages = new Stages(new OtpKeyRing(KeyV1));
        var (h, mailed) = await MailedUnderV1(stages, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));

        Assert.Equal("v1", h.Store.Codes(Address)[0].KeyVersion);
        Assert.Equal(Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", Address, h.Store.Codes(Address)[0].Nonce, 6), mailed);
    }

    [Fact]
    public async Task ACodeMailedBeforeARotation_StillVerifies_UnderTheKeyItWasMailedUnder()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var stages = new Stages(new OtpKeyRing(KeyV1));
        var (h, mailed) = await MailedUnderV1(stages, clock);
        stages.Ring = new OtpKeyRing(KeyV2, KeyV1);
        clock.Advance(CodeDerivation.DefaultRefreshInterval);
        await h.Derivation.RefreshAsync(null, default);
        Assert.Equal("v2", h.Derivation.CurrentKeyVersion);

        Assert.NotEqual(mailed, h.CurrentCode(Address));
        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, mailed, RuleHarness.Client, default)).Status);
    }

    [Fact]
    public async Task AVersionTheVerifierHasNotSeen_IsLoadedBeforeTheCompare()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var stages = new Stages(new OtpKeyRing(KeyV2, KeyV1));
        var verifierCodes = Derivations.Of(new OtpKeyRing(KeyV1), clock, stages);
        var (h, mailed) = await MailedUnderV2(stages, clock);
        var verifier = new OtpVerifier(h.Store, verifierCodes, h.Settings, h.Clock, h.Tagger);

        Assert.Equal(VerifyStatus.Verified, (await verifier.VerifyAsync(Address, mailed, RuleHarness.Client, default)).Status);
        Assert.Equal("v2", verifierCodes.CurrentKeyVersion);
    }

    private static async Task<(RuleHarness H, string Mailed)> MailedUnderV2(Stages stages, FakeTimeProvider clock)
    {
        var h = new RuleHarness(null, Derivations.Of(stages.Ring, clock, stages));
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        await h.Mailer.MailAsync(Address, h.Store.Codes(Address)[0].ExpiresAt, default);
        Assert.Equal("v2", h.Store.Codes(Address)[0].KeyVersion);
        return (h, h.Mail.LastCode(Address));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // The folded flow's wrong guess writes elsewhere; its answer must carry the note too.
    public async Task ACodeWhoseKeyIsInNeitherStage_FailsSafe_AsAWrongCode_WithALogNote(bool inTransactions)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var stages = new Stages(new OtpKeyRing(KeyV1));
        var (h, mailed) = await MailedUnderV1(stages, clock);
        h.Store.IssueInOneTransaction = inTransactions;
        stages.Ring = new OtpKeyRing(KeyV3, KeyV2);
        clock.Advance(CodeDerivation.DefaultRefreshInterval);

        var outcome = await h.Verifier.VerifyAsync(Address, mailed, RuleHarness.Client, default);
        var underCurrent = await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: 4) { Note = OtpVerifier.KeyVersionUnknown }, outcome);
        // The value README documents for the log line.
        Assert.Equal("key_version_unknown", outcome.Note);
        Assert.Equal(VerifyStatus.WrongCode, underCurrent.Status);
        Assert.Null(h.Store.Record(Address).UsedAt);
    }

    [Fact]
    public async Task AStaleRing_IsReadAgainBeforeMailingAndBeforeVerifyingAnUnmarkedCode()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var stages = new Stages(new OtpKeyRing(KeyV1));
        var h = new RuleHarness(null, Derivations.Of(stages.Ring, clock, stages));
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        stages.Ring = new OtpKeyRing(KeyV2, KeyV1);
        clock.Advance(CodeDerivation.DefaultRefreshInterval);
        var code = h.Store.Codes(Address)[0];
        var underV2 = Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).Derive("v2", Address, code.Nonce, code.Digits);

        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, underV2, RuleHarness.Client, default)).Status);

        var mailerClock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var mailerKeys = Derivations.Of(new OtpKeyRing(KeyV1), mailerClock, stages);
        var mailer = new OtpMailer(h.Store, h.Mail, mailerKeys, h.Settings, h.Clock);
        h.Advance(30);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        mailerClock.Advance(CodeDerivation.DefaultRefreshInterval);
        await mailer.MailAsync(Address, h.Store.Codes(Address)[0].ExpiresAt, default);
        Assert.Equal("v2", h.Store.Codes(Address)[0].KeyVersion);
    }

    [Fact]
    public async Task AWrongCodeThatLosesToANewerIssue_IsWrongNotSuperseded_AndUncounted()
    {
        var h = new RuleHarness(NoCooldown);
        var verifier = new OtpVerifier(new IssueBeforeWrongGuess(h), h.Derivation, h.Settings, h.Clock, h.Tagger);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await verifier.VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), RuleHarness.Client, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: 5), outcome);
        Assert.Equal(0, h.Store.Record(Address).Attempts);
    }

    [Fact]
    public async Task AWrongCodeThatLosesToANewerIssue_CountsItsTriesLeftAtTheNewerCode()
    {
        var h = new RuleHarness(NoCooldown);
        var verifier = new OtpVerifier(new IssueAndGuessBeforeWrongGuess(h), h.Derivation, h.Settings, h.Clock, h.Tagger);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await verifier.VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), RuleHarness.Client, default);

        // The caller's one wrong try at the newer code counts; the lost one does not.
        Assert.Equal(new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: h.Settings.MaxAttempts - 1), outcome);
        Assert.Equal(1, h.Store.Record(Address).Attempts);
    }

    [Fact]
    public async Task AWrongCodeThatLosesToTheLastTriesOfTheSameClient_IsTooManyAttempts()
    {
        var h = new RuleHarness(NoCooldown);
        var verifier = new OtpVerifier(new GuessesBeforeWrongGuess(h), h.Derivation, h.Settings, h.Clock, h.Tagger);
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var outcome = await verifier.VerifyAsync(Address, RuleHarness.Wrong(h.CurrentCode(Address)), RuleHarness.Client, default);

        Assert.Equal(new VerifyOutcome(VerifyStatus.TooManyAttempts), outcome);
    }

    /// <summary>Issues a newer code between verify's read and its wrong-guess write (a race DynamoDB allows).</summary>
    private sealed class IssueBeforeWrongGuess(RuleHarness h) : DelegatingStore(h.Store)
    {
        public override async Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken)
        {
            h.Advance(1);
            await h.Issuer.IssueAsync(address, RuleHarness.OtherClient, cancellationToken);
            return await base.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken);
        }
    }

    /// <summary>
    /// Between verify's read and its wrong-guess write, a newer code is issued and the same client
    /// guesses it wrong once in another request (races DynamoDB allows).
    /// </summary>
    private sealed class IssueAndGuessBeforeWrongGuess(RuleHarness h) : DelegatingStore(h.Store)
    {
        public override async Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken)
        {
            h.Advance(1);
            Assert.Equal(GenerateStatus.Sent, (await h.Issuer.IssueAsync(address, RuleHarness.OtherClient, cancellationToken)).Status);
            var newer = h.Store.Record(address).Newest!.Value;
            Assert.Equal(1, await base.TryRecordWrongGuessAsync(address, newer, clientTag, maxPerClient, maxAllClients, now, IdempotencyToken.New(), cancellationToken));
            return await base.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken);
        }
    }

    /// <summary>Spends the client's tries in concurrent requests between verify's read and its wrong-guess write.</summary>
    private sealed class GuessesBeforeWrongGuess(RuleHarness h) : DelegatingStore(h.Store)
    {
        public override async Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken)
        {
            // Other requests: each with its own token.
            for (var i = 0; i < maxPerClient; i++)
            {
                await base.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, IdempotencyToken.New(), cancellationToken);
            }

            return await base.TryRecordWrongGuessAsync(address, newest, clientTag, maxPerClient, maxAllClients, now, token, cancellationToken);
        }
    }

    [Fact]
    public async Task ACodeNotYetMarkedMailed_IsCheckedUnderTheCurrentKey()
    {
        var h = new RuleHarness(null, Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), TimeProvider.System));
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);
        var code = h.Store.Codes(Address)[0];
        Assert.Null(code.KeyVersion);
        var underPrevious = Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", Address, code.Nonce, code.Digits);

        Assert.Equal(VerifyStatus.WrongCode, (await h.Verifier.VerifyAsync(Address, underPrevious, RuleHarness.Client, default)).Status);
        Assert.Equal(VerifyStatus.Verified, (await h.Verifier.VerifyAsync(Address, h.CurrentCode(Address), RuleHarness.Client, default)).Status);
    }
}
