using OtpService.Core.Composition;
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

    private static StoredCode Code(long createdAt, long expiresAt) =>
        new(Address, expiresAt, createdAt, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 6);

    [Fact]
    public async Task Issue_ThenLoad_ReturnsTheCodeAndTheAddressRecord()
    {
        Assert.Equal(IssueResult.Issued, await _store.TryIssueAsync(Code(Now, Now + 120), 0, [Now], Now + 90_000, default));

        var history = await _store.LoadAsync(Address, Now - 1000, default);

        var code = Assert.Single(history.Codes);
        Assert.Equal((Now + 120, Now, 6, 0), (code.ExpiresAt, code.CreatedAt, code.Digits, code.Attempts));
        Assert.Equal(Code(0, 0).Nonce, code.Nonce);
        Assert.Equal([Now], history.SentAt);
        Assert.Equal(1, history.Version);
    }

    [Fact]
    public async Task Issue_WithAStaleVersion_IsAConflictAndWritesNoCode()
    {
        await _store.TryIssueAsync(Code(Now, Now + 120), 0, [Now], Now + 90_000, default);

        Assert.Equal(IssueResult.Conflict, await _store.TryIssueAsync(Code(Now + 1, Now + 121), 0, [Now + 1], Now + 90_000, default));
        Assert.Equal(IssueResult.Issued, await _store.TryIssueAsync(Code(Now + 1, Now + 121), 1, [Now, Now + 1], Now + 90_000, default));

        var history = await _store.LoadAsync(Address, Now - 1000, default);
        Assert.Equal([Now + 121, Now + 120], history.Codes.Select(c => c.ExpiresAt));
        Assert.Equal(2, history.Version);
    }

    [Fact]
    public async Task Load_LeavesOutCodesThatExpiredBeforeTheWindow()
    {
        await _store.TryIssueAsync(Code(Now, Now + 120), 0, [Now], Now + 90_000, default);

        Assert.Empty((await _store.LoadAsync(Address, Now + 121, default)).Codes);
    }

    [Fact]
    public async Task WrongGuesses_StopCountingAtTheLimit()
    {
        await _store.TryIssueAsync(Code(Now, Now + 120), 0, [Now], Now + 90_000, default);

        var counts = new List<int?>();
        for (var i = 0; i < 4; i++)
        {
            counts.Add(await _store.TryRecordWrongGuessAsync(Address, Now + 120, 3, Now, default));
        }

        Assert.Equal([1, 2, 3, null], counts);
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, 3, Now, default));
    }

    [Fact]
    public async Task MarkUsed_OnlyOnce_AndNeverAfterExpiryOrForAMissingCode()
    {
        await _store.TryIssueAsync(Code(Now, Now + 120), 0, [Now], Now + 90_000, default);

        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, 5, Now + 121, default));
        Assert.True(await _store.TryMarkUsedAsync(Address, Now + 120, 5, Now + 120, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 120, 5, Now, default));
        Assert.Null(await _store.TryRecordWrongGuessAsync(Address, Now + 120, 5, Now, default));
        Assert.False(await _store.TryMarkUsedAsync(Address, Now + 999, 5, Now, default));
        Assert.NotNull((await _store.GetAsync(Address, Now + 120, default))?.UsedAt);
        Assert.Null(await _store.GetAsync(Address, Now + 999, default));
    }

    [Fact]
    public async Task MailingClaim_IsExclusiveUntilReleasedOrStale_AndMailedIsFinal()
    {
        await _store.TryIssueAsync(Code(Now, Now + 120), 0, [Now], Now + 90_000, default);

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
    public async Task MailingClaim_NeverCreatesAnItem()
    {
        Assert.Null(await _store.TryClaimMailingAsync(Address, Now + 120, Now, 30, default));
        Assert.Empty((await _store.LoadAsync(Address, 0, default)).Codes);
    }

    [Fact]
    public async Task Load_ReadsEveryPage()
    {
        // ~40 items with a large nonce-free padding would page; 400 small codes exceed no page, so check paging via many records.
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(IssueResult.Issued, await _store.TryIssueAsync(Code(Now + i, Now + 120 + i), i, [Now + i], Now + 90_000, default));
        }

        Assert.Equal(60, (await _store.LoadAsync(Address, 0, default)).Codes.Count);
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

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.LoadAsync(Address, 0, default));
        Assert.DoesNotContain(Address, error.Message, StringComparison.Ordinal);
    }
}
