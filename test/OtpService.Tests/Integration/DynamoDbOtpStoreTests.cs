using OtpService.Core.Composition;
using OtpService.Core.Otp;
using OtpService.Core.Ports;
using OtpService.Core.Storage;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>The DynamoDB store against dynalite: every conditional write, applied and refused.</summary>
public class DynamoDbOtpStoreTests : IAsyncLifetime
{
    private const string Address = "store@example.com";
    private const long Now = 1_800_000_000;
    private DynamoDbOtpStore _store = null!;

    public async Task InitializeAsync()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        var env = emulators.LambdaEnvironment(table);
        _store = new DynamoDbOtpStore(OtpServices.CreateDynamoDbClient(env.GetValueOrDefault), table);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Client = "cTESTCLIENTTAG-aaaaaaaaa";
    private const string Other = "cOTHERCLIENTTAG-bbbbbbbb";

    private static StoredCode Code(long createdAt, long expiresAt, int digits = 6) =>
        new(Address, expiresAt, createdAt, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], digits);

    private static AddressState Sent(long newest, long now) => AddressState.Empty with
    {
        Newest = newest,
        SendTat = now + 720,
        LastSentAt = now,
        Senders = new Dictionary<string, long> { [Client] = now + 1800 },
        Failures = 3,
        FailuresSince = now - 10,
    };

    private Task<IssueResult> Issue(long createdAt, long expiresAt, long expectedVersion = 0, int digits = 6) =>
        _store.TryIssueAsync(Code(createdAt, expiresAt, digits), Sent(expiresAt, createdAt), expectedVersion, expiresAt + 90_000, expiresAt + 3600, default);

    [Fact]
    public async Task Issue_ThenLoad_ReturnsTheRecordAndTheNewestCode()
    {
        Assert.Equal(IssueResult.Issued, await Issue(Now, Now + 120, digits: 10));

        var state = await _store.LoadAddressAsync(Address, default);
        var newest = await _store.LoadNewestAsync(Address, default);

        Assert.Equal(state, newest.State with { Guesses = state.Guesses, Senders = state.Senders });
        Assert.Equal((1L, Now + 120, 0, Now + 720, Now, 3L, Now - 10), (state.Version, state.Newest, state.Attempts, state.SendTat, state.LastSentAt, state.Failures, state.FailuresSince));
        Assert.Equal(Now + 1800, state.Senders[Client]);
        Assert.Empty(state.Guesses);
        Assert.Null(state.UsedAt);
        var code = newest.Code!;
        Assert.Equal((Now + 120, Now, 10), (code.ExpiresAt, code.CreatedAt, code.Digits));
        Assert.Equal(Code(0, 0).Nonce, code.Nonce);
    }

    [Fact]
    public async Task Load_OfAnUnknownAddress_IsEmpty()
    {
        Assert.Equal(AddressState.Empty.Version, (await _store.LoadAddressAsync("nobody@example.com", default)).Version);
        var newest = await _store.LoadNewestAsync("nobody@example.com", default);
        Assert.Null(newest.Code);
        Assert.Null(newest.State.Newest);
    }

    [Fact]
    public async Task Issue_WithAStaleVersion_IsAConflictAndWritesNoCode()
    {
        await Issue(Now, Now + 120);

        Assert.Equal(IssueResult.Conflict, await Issue(Now + 1, Now + 121));
        Assert.Equal(IssueResult.Issued, await Issue(Now + 1, Now + 121, expectedVersion: 1));

        var newest = await _store.LoadNewestAsync(Address, default);
        Assert.Equal((2L, Now + 121), (newest.State.Version, newest.Code!.ExpiresAt));
    }

    [Fact]
    public async Task LoadNewest_ReadsTwoItems_HoweverLongTheHistory()
    {
        // 30 codes in the partition: the query still returns the record and the newest code only.
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(IssueResult.Issued, await Issue(Now + i, Now + 120 + i, expectedVersion: i));
        }

        var newest = await _store.LoadNewestAsync(Address, default);

        Assert.Equal((Now + 149, Now + 149), (newest.State.Newest, newest.Code!.ExpiresAt));
    }

    [Fact]
    public async Task WrongGuesses_CountPerClient_StopAtTheClientsLimit_AndAtTheLimitForAll()
    {
        await Issue(Now, Now + 120);

        var counts = new List<int?>();
        for (var i = 0; i < 4; i++)
        {
            counts.Add(await _store.TryRecordWrongGuessAsync(Address, Now + 120, Client, IdempotencyToken.New(), 3, 5, Now, default));
        }

        Assert.Equal([1, 2, 3, null], counts);
        Assert.Equal(1, await _store.TryRecordWrongGuessAsync(Address, Now + 120, Other, IdempotencyToken.New(), 3, 5, Now, default));
        Assert.Equal(2, await _store.TryRecordWrongGuessAsync(Address, Now + 120, Other, IdempotencyToken.New(), 3, 5, Now, default));
        Assert.Null(await _store.TryRecordWrongGuessAsync(Address, Now + 120, Other, IdempotencyToken.New(), 3, 5, Now, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, Other, IdempotencyToken.New(), 3, 5, Now, default));
        var state = await _store.LoadAddressAsync(Address, default);
        Assert.Equal((5, 3, 2, 3L + 5, 6L), (state.Attempts, state.GuessesBy(Client), state.GuessesBy(Other), state.Failures, state.Version));
    }

    [Fact]
    public async Task MarkUsed_OnlyOnce_AndNeverAfterExpiryForAnOlderCodeOrAfterTheClientsLimit()
    {
        await Issue(Now, Now + 120);
        await _store.TryRecordWrongGuessAsync(Address, Now + 120, Client, IdempotencyToken.New(), 1, 5, Now, default);

        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, Other, IdempotencyToken.New(), 5, 5, Now + 121, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 119, Other, IdempotencyToken.New(), 5, 5, Now, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, Client, IdempotencyToken.New(), 1, 5, Now, default));
        Assert.True(await _store.TryMarkUsedAsync(Address, Now + 120, Other, IdempotencyToken.New(), 5, 5, Now + 120, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, Other, IdempotencyToken.New(), 5, 5, Now, default));
        Assert.Null(await _store.TryRecordWrongGuessAsync(Address, Now + 120, Other, IdempotencyToken.New(), 5, 5, Now, default));
        Assert.Equal(Now + 120, (await _store.LoadAddressAsync(Address, default)).UsedAt);
        Assert.False(await _store.TryMarkUsedAsync("nobody@example.com", Now + 120, Other, IdempotencyToken.New(), 5, 5, Now, default));
    }

    [Fact]
    public async Task Issue_AfterUse_StartsTheNewCodeUnused()
    {
        await Issue(Now, Now + 120);
        Assert.True(await _store.TryMarkUsedAsync(Address, Now + 120, Client, IdempotencyToken.New(), 5, 5, Now, default));

        Assert.Equal(IssueResult.Issued, await Issue(Now + 30, Now + 150, expectedVersion: 2));

        Assert.Null((await _store.LoadAddressAsync(Address, default)).UsedAt);
    }

    [Fact]
    public async Task WindowCounters_StopAtTheirLimit_CountDistinctMembers_AndTakeBack()
    {
        var window = new WindowKey("client#cSomeTag", Now + 3600);

        Assert.True(await _store.TryCountAsync(window, WindowCounter.Requests, "t1", 4, "addrA", 2, Now + 7200, default));
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Requests, "t2", 4, "addrA", 2, Now + 7200, default));
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Requests, "t3", 4, "addrB", 2, Now + 7200, default));
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Requests, "t4", 4, "addrC", 2, Now + 7200, default));
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Requests, "t5", 4, "addrB", 2, Now + 7200, default));
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Requests, "t6", 4, "addrA", 2, Now + 7200, default));

        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "t7", 1, null, 0, Now + 7200, default));
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Failures, "t8", 1, null, 0, Now + 7200, default));
        await _store.UncountAsync(window, WindowCounter.Failures, "t7", default);
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "t9", 1, null, 0, Now + 7200, default));

        var next = window with { WindowEnd = Now + 7200 };
        Assert.True(await _store.TryCountAsync(next, WindowCounter.Requests, "t10", 4, "addrC", 2, Now + 10_800, default));
    }

    [Fact]
    public async Task WrongGuessAndMarkUsed_SameTokenTwice_ApplyOnce_AndAnswerTheSame()
    {
        Assert.Equal(IssueResult.Issued, await Issue(Now, Now + 120));

        Assert.Equal(1, await _store.TryRecordWrongGuessAsync(Address, Now + 120, Client, "g1", 3, 5, Now, default));
        Assert.Equal(1, await _store.TryRecordWrongGuessAsync(Address, Now + 120, Client, "g1", 3, 5, Now, default));
        Assert.Equal((1, 4L), ((await _store.LoadAddressAsync(Address, default)).Attempts, (await _store.LoadAddressAsync(Address, default)).Failures));

        Assert.True(await _store.TryMarkUsedAsync(Address, Now + 120, Client, "u1", 3, 5, Now, default));
        Assert.True(await _store.TryMarkUsedAsync(Address, Now + 120, Client, "u1", 3, 5, Now, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, Client, "u2", 3, 5, Now, default));
        // A new code forgets the old code's tokens.
        Assert.Equal(IssueResult.Issued, await Issue(Now + 60, Now + 180, expectedVersion: 3));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, Client, "u1", 3, 5, Now, default));
        Assert.Equal(1, await _store.TryRecordWrongGuessAsync(Address, Now + 180, Client, "g1", 3, 5, Now + 60, default));
    }

    [Fact]
    public async Task WindowCounters_SameTokenTwice_CountsOnce_AndTakesBackOnce()
    {
        var window = new WindowKey("client#cTwiceTag", Now + 3600);

        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "a", 2, null, 0, Now + 7200, default));
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "a", 2, null, 0, Now + 7200, default));
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "b", 2, null, 0, Now + 7200, default));
        // Full: a token already counted still answers true (a retry), a new one is refused.
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "a", 2, null, 0, Now + 7200, default));
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Failures, "c", 2, null, 0, Now + 7200, default));

        await _store.UncountAsync(window, WindowCounter.Failures, "c", default);
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Failures, "d", 2, null, 0, Now + 7200, default));

        await _store.UncountAsync(window, WindowCounter.Failures, "a", default);
        await _store.UncountAsync(window, WindowCounter.Failures, "a", default);
        Assert.True(await _store.TryCountAsync(window, WindowCounter.Failures, "e", 2, null, 0, Now + 7200, default));
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Failures, "f", 2, null, 0, Now + 7200, default));
    }

    [Fact]
    public async Task Uncount_OfAWindowNeverCounted_ChangesNothing()
    {
        var window = new WindowKey("budget#sends", Now + 60);
        await _store.UncountAsync(window, WindowCounter.Sends, "t0", default);

        Assert.True(await _store.TryCountAsync(window, WindowCounter.Sends, "t11", 1, null, 0, Now + 3660, default));
        Assert.False(await _store.TryCountAsync(window, WindowCounter.Sends, "t12", 1, null, 0, Now + 3660, default));
    }

    [Fact]
    public async Task MailingClaim_IsExclusiveUntilReleasedOrStale_AndMailedIsFinal()
    {
        await Issue(Now, Now + 120);

        Assert.NotNull(await _store.TryClaimMailingAsync(Address, Now + 120, Now, 30, default));
        Assert.Null(await _store.TryClaimMailingAsync(Address, Now + 120, Now + 5, 30, default));
        await _store.ReleaseMailingClaimAsync(Address, Now + 120, default);
        Assert.NotNull(await _store.TryClaimMailingAsync(Address, Now + 120, Now + 6, 30, default));
        Assert.NotNull(await _store.TryClaimMailingAsync(Address, Now + 120, Now + 36, 30, default));
        await _store.MarkMailedAsync(Address, Now + 120, Now + 37, default);
        Assert.Null(await _store.TryClaimMailingAsync(Address, Now + 120, Now + 100, 30, default));
        Assert.Equal(Now + 37, (await _store.GetAsync(Address, Now + 120, default))?.MailedAt);
    }

    [Fact]
    public async Task MailingClaim_NeverCreatesAnItem_NorClaimsTheAddressRecord()
    {
        Assert.Null(await _store.TryClaimMailingAsync(Address, Now + 120, Now, 30, default));
        await Issue(Now, Now + 120);
        Assert.Null(await _store.TryClaimMailingAsync(Address, OtpTable.AddressRecordSortKey, Now, 30, default));
        Assert.Null((await _store.LoadNewestAsync("nobody@example.com", default)).Code);
    }

    [Fact]
    public async Task Calls_WhenDynamoDbIsUnreachable_ThrowStoreUnavailable()
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:1",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "local",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
        };
        var store = new DynamoDbOtpStore(OtpServices.CreateDynamoDbClient(env.GetValueOrDefault), "otp_holder");

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.LoadAddressAsync(Address, default));
        Assert.DoesNotContain(Address, error.Message, StringComparison.Ordinal);
    }
}
