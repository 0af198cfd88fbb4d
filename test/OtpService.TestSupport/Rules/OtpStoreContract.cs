using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using OtpService.Local.Emulators;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>
/// The store's contract, run against each real endpoint the DynamoDB store meets and against the
/// in-memory store the rule tests stand on: every conditional write, applied and refused, and
/// sent twice with the same idempotency token (applied once, answered the same). Issuing differs
/// by endpoint (one TransactWriteItems or two conditional writes), so the subclasses say which
/// path they expect.
/// </summary>
public abstract class OtpStoreContract : IAsyncLifetime
{
    protected const string Address = "store@example.com";
    protected const long Now = 1_800_000_000;
    private IOtpStore? _store;
    private string? _whyNot;

    /// <summary>The store under test; skips the test (with the reason) where the endpoint cannot run here.</summary>
    protected IOtpStore Store
    {
        get
        {
            Skip.If(_whyNot is not null, _whyNot);
            return _store!;
        }
    }

    /// <summary>True where the endpoint has TransactWriteItems (moto, AWS), false where it has not (dynalite).</summary>
    protected abstract bool HasTransactions { get; }

    /// <summary>A store on a fresh table, or (null, why) where the endpoint cannot run here.</summary>
    protected abstract Task<(IOtpStore? Store, string? WhyNot)> OpenAsync();

    public async Task InitializeAsync() => (_store, _whyNot) = await OpenAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected const string Client = "cTESTCLIENTTAG-aaaaaaaaa";
    protected const string Other = "cOTHERCLIENTTAG-bbbbbbbb";

    private static readonly Dictionary<string, long> NoOwners = [];

    protected static StoredCode Code(long createdAt, long expiresAt, int digits = 6) =>
        new(Address, expiresAt, createdAt, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], digits);

    protected static AddressState Sent(long newest, long now) => AddressState.Empty with
    {
        Newest = newest,
        SendTat = now + 720,
        LastSentAt = now,
        Senders = new Dictionary<string, long> { [Client] = now + 1800 },
        Failures = 3,
        FailuresSince = now - 10,
    };

    /// <param name="token">The generate request's idempotency token; a fresh one when null.</param>
    protected Task<IssueResult> Issue(long createdAt, long expiresAt, long expectedVersion = 0, int digits = 6, string? token = null) =>
        Store.TryIssueAsync(Code(createdAt, expiresAt, digits), Sent(expiresAt, createdAt), expectedVersion, expiresAt + 90_000, expiresAt + 3600, token ?? IdempotencyToken.New(), default);

    private static string Fresh => IdempotencyToken.New();

    [SkippableFact]
    public async Task Issue_ThenLoad_ReturnsTheRecordAndTheNewestCode()
    {
        Assert.Equal(IssueResult.Issued, await Issue(Now, Now + 120, digits: 10));

        var state = await Store.LoadAddressAsync(Address, default);
        var newest = await Store.LoadNewestAsync(Address, default);

        Assert.Equal(state, newest.State with { Guesses = state.Guesses, Senders = state.Senders, Owners = state.Owners, Recent = state.Recent });
        Assert.Equal((1L, Now + 120, 0, Now + 720, Now, 3L, Now - 10), (state.Version, state.Newest, state.Attempts, state.SendTat, state.LastSentAt, state.Failures, state.FailuresSince));
        Assert.Equal(Now + 1800, state.Senders[Client]);
        Assert.Empty(state.Guesses);
        Assert.Null(state.UsedAt);
        var code = newest.Code!;
        Assert.Equal((Now + 120, Now, 10), (code.ExpiresAt, code.CreatedAt, code.Digits));
        Assert.Equal(Code(0, 0).Nonce, code.Nonce);
    }

    [SkippableFact]
    public async Task Issue_StoresTheRecentCodesTheVerificationIdHash_AndTheMailTheKeyVersion_AndLoadReadsThemBack()
    {
        var hash = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        byte[] earlierNonce = [.. Enumerable.Repeat((byte)0xEE, 16)];
        var recent = new List<RecentCode> { new(Now + 120, Code(0, 0).Nonce, 10), new(Now + 60, earlierNonce, 6) };
        Assert.Equal(IssueResult.Issued, await Store.TryIssueAsync(
            Code(Now, Now + 120, 10) with { VerificationIdHash = hash }, Sent(Now + 120, Now) with { Recent = recent }, 0, Now + 90_000, Now + 3720, Fresh, default));

        var before = await Store.LoadNewestAsync(Address, default);
        await Store.MarkMailedAsync(Address, Now + 120, Now + 1, "3f0c8e1a-version-id", default);
        var after = await Store.LoadNewestAsync(Address, default);

        Assert.Null(before.Code!.KeyVersion);
        Assert.Equal(hash, before.Code.VerificationIdHash);
        Assert.Equal("3f0c8e1a-version-id", after.Code!.KeyVersion);
        Assert.Equal(Now + 1, after.Code.MailedAt);
        foreach (var state in new[] { after.State, await Store.LoadAddressAsync(Address, default) })
        {
            Assert.Equal([(Now + 120, 10), (Now + 60, 6)], state.Recent.Select(r => (r.ExpiresAt, r.Digits)));
            Assert.Equal(Code(0, 0).Nonce, state.Recent[0].Nonce);
            Assert.Equal(earlierNonce, state.Recent[1].Nonce);
        }
    }

    /// <summary>The mail's language travels with the code: the mailer's claim reads back what the issue wrote.</summary>
    [SkippableFact]
    public async Task Issue_StoresTheLocale_AndTheMailingClaimReadsItBack()
    {
        Assert.Equal(IssueResult.Issued, await Store.TryIssueAsync(
            Code(Now, Now + 120, 6) with { Locale = "pt-BR" }, Sent(Now + 120, Now), 0, Now + 90_000, Now + 3720, Fresh, default));

        var claimed = await Store.TryClaimMailingAsync(Address, Now + 120, Now, 10, IdempotencyToken.New(), default);

        Assert.Equal("pt-BR", claimed!.Locale);
        Assert.Equal("pt-BR", (await Store.LoadNewestAsync(Address, default)).Code!.Locale);
    }

    [SkippableFact]
    public async Task ACodeAndRecordWrittenWithoutTheNewAttributes_ReadAsLegacy()
    {
        await Issue(Now, Now + 120);

        var newest = await Store.LoadNewestAsync(Address, default);

        Assert.Empty(newest.State.Recent);
        Assert.Null(newest.Code!.VerificationIdHash);
        Assert.Null(newest.Code.KeyVersion);
        Assert.Null(newest.Code.Locale);
    }

    [SkippableFact]
    public async Task Load_OfAnUnknownAddress_IsEmpty()
    {
        Assert.Equal(AddressState.Empty.Version, (await Store.LoadAddressAsync("nobody@example.com", default)).Version);
        var newest = await Store.LoadNewestAsync("nobody@example.com", default);
        Assert.Null(newest.Code);
        Assert.Null(newest.State.Newest);
    }

    [SkippableFact]
    public async Task Issue_WithAStaleVersion_IsAConflictAndWritesNoCode()
    {
        await Issue(Now, Now + 120);

        Assert.Equal(IssueResult.Conflict, await Issue(Now + 1, Now + 121));
        Assert.Equal(IssueResult.Issued, await Issue(Now + 1, Now + 121, expectedVersion: 1));

        var newest = await Store.LoadNewestAsync(Address, default);
        Assert.Equal((2L, Now + 121), (newest.State.Version, newest.Code!.ExpiresAt));
    }

    [SkippableFact]
    public async Task LoadNewest_ReadsTwoItems_HoweverLongTheHistory()
    {
        // 30 codes in the partition: the query still returns the record and the newest code only.
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(IssueResult.Issued, await Issue(Now + i, Now + 120 + i, expectedVersion: i));
        }

        var newest = await Store.LoadNewestAsync(Address, default);

        Assert.Equal((Now + 149, Now + 149), (newest.State.Newest, newest.Code!.ExpiresAt));
    }

    [SkippableFact]
    public async Task WrongGuesses_CountPerClient_StopAtTheClientsLimit_AndAtTheLimitForAll()
    {
        await Issue(Now, Now + 120);

        var counts = new List<int?>();
        for (var i = 0; i < 4; i++)
        {
            counts.Add(await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 3, 5, Now, Fresh, default));
        }

        Assert.Equal([1, 2, 3, null], counts);
        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Other, 3, 5, Now, Fresh, default));
        Assert.Equal(2, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Other, 3, 5, Now, Fresh, default));
        Assert.Null(await Store.TryRecordWrongGuessAsync(Address, Now + 120, Other, 3, 5, Now, Fresh, default));
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 120, Other, 3, 5, Now, NoOwners, Fresh, default));
        var state = await Store.LoadAddressAsync(Address, default);
        Assert.Equal((5, 3, 2, 3L + 5, 6L), (state.Attempts, state.GuessesBy(Client), state.GuessesBy(Other), state.Failures, state.Version));
    }

    [SkippableFact]
    public async Task MarkUsed_OnlyOnce_AndNeverAfterExpiryForAnOlderCodeOrAfterTheClientsLimit()
    {
        await Issue(Now, Now + 120);
        await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 1, 5, Now, Fresh, default);

        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 120, Other, 5, 5, Now + 121, NoOwners, Fresh, default));
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 119, Other, 5, 5, Now, NoOwners, Fresh, default));
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 1, 5, Now, NoOwners, Fresh, default));
        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 120, Other, 5, 5, Now + 120, NoOwners, Fresh, default));
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 120, Other, 5, 5, Now, NoOwners, Fresh, default));
        Assert.Null(await Store.TryRecordWrongGuessAsync(Address, Now + 120, Other, 5, 5, Now, Fresh, default));
        Assert.Equal(Now + 120, (await Store.LoadAddressAsync(Address, default)).UsedAt);
        Assert.False(await Store.TryMarkUsedAsync("nobody@example.com", Now + 120, Other, 5, 5, Now, NoOwners, Fresh, default));
    }

    [SkippableFact]
    public async Task Issue_AfterUse_StartsTheNewCodeUnused()
    {
        await Issue(Now, Now + 120);
        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 5, 5, Now, NoOwners, Fresh, default));

        Assert.Equal(IssueResult.Issued, await Issue(Now + 30, Now + 150, expectedVersion: 2));

        Assert.Null((await Store.LoadAddressAsync(Address, default)).UsedAt);
    }

    [SkippableFact]
    public async Task Issue_SameTokenTwice_IssuesOnce_AndAnswersIssuedBothTimes()
    {
        Assert.Equal(IssueResult.Issued, await Issue(Now, Now + 120, token: "issue-1"));
        Assert.Equal(IssueResult.Issued, await Issue(Now, Now + 120, token: "issue-1"));
        Assert.Equal(IssueResult.Conflict, await Issue(Now, Now + 120, token: "issue-2"));

        var newest = await Store.LoadNewestAsync(Address, default);
        Assert.Equal((1L, Now + 120, Now + 120), (newest.State.Version, newest.State.Newest, newest.Code!.ExpiresAt));
        Assert.Equal(IssueResult.Issued, await Issue(Now + 1, Now + 121, expectedVersion: 1, token: "issue-3"));
    }

    [SkippableFact]
    public async Task WrongGuess_SameTokenTwice_CountsOnce_AndAnswersTheSameCount_EvenAtTheLimit()
    {
        await Issue(Now, Now + 120);

        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 2, 5, Now, "guess-1", default));
        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 2, 5, Now, "guess-1", default));
        Assert.Equal(2, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 2, 5, Now, "guess-2", default));
        // The client is at its limit: a new guess is refused, a counted one still answers its count.
        Assert.Null(await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 2, 5, Now, "guess-3", default));
        Assert.Equal(2, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 2, 5, Now, "guess-2", default));

        var state = await Store.LoadAddressAsync(Address, default);
        Assert.Equal((2, 2, 3L + 2, 3L), (state.Attempts, state.GuessesBy(Client), state.Failures, state.Version));
    }

    [SkippableFact]
    public async Task MarkUsed_SameTokenTwice_AnswersTrueBothTimes_AndAnotherTokenFalse()
    {
        await Issue(Now, Now + 120);
        var owners = new Dictionary<string, long> { [Client] = Now };

        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 5, 5, Now, owners, "use-1", default));
        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 5, 5, Now, owners, "use-1", default));
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 120, Other, 5, 5, Now, NoOwners, "use-2", default));
        Assert.Null(await Store.TryRecordWrongGuessAsync(Address, Now + 120, Other, 5, 5, Now, "guess-1", default));

        var state = await Store.LoadAddressAsync(Address, default);
        Assert.Equal((Now, 2L, 0), (state.UsedAt, state.Version, state.Attempts));
    }

    [SkippableFact]
    public async Task WriteTokens_AreTheNewestCodesOnly_ANewIssueForgetsTheLastCodes()
    {
        await Issue(Now, Now + 120, token: "issue-1");
        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 120, Client, 5, 5, Now, "guess-1", default));
        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 5, 5, Now, NoOwners, "use-1", default));

        Assert.Equal(IssueResult.Issued, await Issue(Now + 30, Now + 150, expectedVersion: 3, token: "issue-2"));

        // The old code's use is not recognized against the new code, and a token counts again on it:
        // the set holds the newest code's writes only, so its size is bounded by the limits.
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 5, 5, Now + 30, NoOwners, "use-1", default));
        Assert.Equal(IssueResult.Conflict, await Issue(Now, Now + 120, token: "issue-1"));
        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 150, Client, 5, 5, Now + 30, "guess-1", default));
        Assert.Equal(1, (await Store.LoadAddressAsync(Address, default)).Attempts);
    }

    [SkippableFact]
    public async Task MailingClaim_SameTokenTwice_ClaimsOnce_AndAnswersTheCodeBothTimes_UntilMailed()
    {
        await Issue(Now, Now + 120);

        Assert.NotNull(await Store.TryClaimMailingAsync(Address, Now + 120, Now, 30, "mail-1", default));
        Assert.Equal(Now + 120, (await Store.TryClaimMailingAsync(Address, Now + 120, Now + 1, 30, "mail-1", default))?.ExpiresAt);
        Assert.Null(await Store.TryClaimMailingAsync(Address, Now + 120, Now + 2, 30, "mail-2", default));

        await Store.MarkMailedAsync(Address, Now + 120, Now + 3, "v1", default);
        Assert.Null(await Store.TryClaimMailingAsync(Address, Now + 120, Now + 4, 30, "mail-1", default));
    }

    [SkippableFact]
    public async Task WindowCounters_StopAtTheirLimit_CountDistinctMembers_AndTakeBack()
    {
        var window = new WindowKey("client#cSomeTag", Now + 3600);

        Assert.True(await Store.TryCountAsync(window, WindowCounter.Requests, "t1", 4, "addrA", 2, Now + 7200, default));
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Requests, "t2", 4, "addrA", 2, Now + 7200, default));
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Requests, "t3", 4, "addrB", 2, Now + 7200, default));
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Requests, "t4", 4, "addrC", 2, Now + 7200, default));
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Requests, "t5", 4, "addrB", 2, Now + 7200, default));
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Requests, "t6", 4, "addrA", 2, Now + 7200, default));

        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "t7", 1, null, 0, Now + 7200, default));
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Failures, "t8", 1, null, 0, Now + 7200, default));
        await Store.UncountAsync(window, WindowCounter.Failures, "t7", default);
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "t9", 1, null, 0, Now + 7200, default));

        var next = window with { WindowEnd = Now + 7200 };
        Assert.True(await Store.TryCountAsync(next, WindowCounter.Requests, "t10", 4, "addrC", 2, Now + 10_800, default));
    }

    [SkippableFact]
    public async Task WindowCounters_SameTokenTwice_CountsOnce_AndTakesBackOnce()
    {
        var window = new WindowKey("client#cTwiceTag", Now + 3600);

        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "a", 2, null, 0, Now + 7200, default));
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "a", 2, null, 0, Now + 7200, default));
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "b", 2, null, 0, Now + 7200, default));
        // Full: a token already counted still answers true (a retry), a new one is refused.
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "a", 2, null, 0, Now + 7200, default));
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Failures, "c", 2, null, 0, Now + 7200, default));

        await Store.UncountAsync(window, WindowCounter.Failures, "c", default);
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Failures, "d", 2, null, 0, Now + 7200, default));

        await Store.UncountAsync(window, WindowCounter.Failures, "a", default);
        await Store.UncountAsync(window, WindowCounter.Failures, "a", default);
        Assert.True(await Store.TryCountAsync(window, WindowCounter.Failures, "e", 2, null, 0, Now + 7200, default));
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Failures, "f", 2, null, 0, Now + 7200, default));
    }

    [SkippableFact]
    public async Task Uncount_OfAWindowNeverCounted_ChangesNothing()
    {
        var window = new WindowKey("budget#sends", Now + 60);
        await Store.UncountAsync(window, WindowCounter.Sends, "t0", default);

        Assert.True(await Store.TryCountAsync(window, WindowCounter.Sends, "t11", 1, null, 0, Now + 3660, default));
        Assert.False(await Store.TryCountAsync(window, WindowCounter.Sends, "t12", 1, null, 0, Now + 3660, default));
    }

    [SkippableFact]
    public async Task MailingClaim_IsExclusiveUntilReleasedOrStale_AndMailedIsFinal()
    {
        await Issue(Now, Now + 120);

        Assert.NotNull(await Store.TryClaimMailingAsync(Address, Now + 120, Now, 30, Fresh, default));
        Assert.Null(await Store.TryClaimMailingAsync(Address, Now + 120, Now + 5, 30, Fresh, default));
        await Store.ReleaseMailingClaimAsync(Address, Now + 120, default);
        Assert.NotNull(await Store.TryClaimMailingAsync(Address, Now + 120, Now + 6, 30, Fresh, default));
        Assert.NotNull(await Store.TryClaimMailingAsync(Address, Now + 120, Now + 36, 30, Fresh, default));
        await Store.MarkMailedAsync(Address, Now + 120, Now + 37, "v1", default);
        Assert.Null(await Store.TryClaimMailingAsync(Address, Now + 120, Now + 100, 30, Fresh, default));
        Assert.Equal(Now + 37, (await Store.GetAsync(Address, Now + 120, default))?.MailedAt);
    }

    [SkippableFact]
    public async Task MailingClaim_NeverCreatesAnItem_NorClaimsTheAddressRecord()
    {
        Assert.Null(await Store.TryClaimMailingAsync(Address, Now + 120, Now, 30, Fresh, default));
        await Issue(Now, Now + 120);
        Assert.Null(await Store.TryClaimMailingAsync(Address, OtpTable.AddressRecordSortKey, Now, 30, Fresh, default));
        Assert.Null((await Store.LoadNewestAsync("nobody@example.com", default)).Code);
    }

    [SkippableFact]
    public async Task Issue_WhenTheCodesKeyIsTaken_IsAConflict_AndChangesTheRecordOnlyWithoutTransactions()
    {
        await Issue(Now, Now + 120);

        // The version matches but a code with the same key exists: with a transaction nothing is
        // written; with two writes the record is (a counted send whose code never verifies: fails safe).
        Assert.Equal(IssueResult.Conflict, await Issue(Now + 1, Now + 120, expectedVersion: 1));

        var state = await Store.LoadAddressAsync(Address, default);
        Assert.Equal(HasTransactions ? 1L : 2L, state.Version);
        Assert.Equal(Now, (await Store.LoadNewestAsync(Address, default)).Code!.CreatedAt);
    }

    [SkippableFact]
    public async Task Owners_AreWrittenByTheMarkAndTheIssue_AndOtherClientsTriesDoNotBlockThem()
    {
        await Issue(Now, Now + 120);
        var owners = new Dictionary<string, long> { [Client] = Now };
        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 120, Client, 5, 5, Now, owners, Fresh, default));
        Assert.Equal(owners, (await Store.LoadAddressAsync(Address, default)).Owners);

        var record = Sent(Now + 200, Now + 80) with { Owners = owners };
        Assert.Equal(IssueResult.Issued, await Store.TryIssueAsync(Code(Now + 80, Now + 200), record, 2, Now + 90_000, Now + 3800, Fresh, default));
        Assert.Equal(owners, (await Store.LoadNewestAsync(Address, default)).State.Owners);
        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 200, Other, 3, 1, Now + 80, Fresh, default));

        Assert.Null(await Store.TryRecordWrongGuessAsync(Address, Now + 200, "cTHIRDCLIENTTAG-ccccccc", 3, 1, Now + 80, Fresh, default));
        Assert.False(await Store.TryMarkUsedAsync(Address, Now + 200, Other, 3, 1, Now + 80, owners, Fresh, default));
        Assert.Equal(1, await Store.TryRecordWrongGuessAsync(Address, Now + 200, Client, 3, 1, Now + 80, Fresh, default));
        Assert.True(await Store.TryMarkUsedAsync(Address, Now + 200, Client, 3, 1, Now + 81, new Dictionary<string, long> { [Client] = Now + 81 }, Fresh, default));
        Assert.Equal(Now + 81, (await Store.LoadAddressAsync(Address, default)).Owners[Client]);
    }
}
