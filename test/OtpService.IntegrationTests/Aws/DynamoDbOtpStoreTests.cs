using OtpService.Tests.Integration;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>The contract on the DynamoDB store, plus what only it does: find out whether the endpoint has transactions.</summary>
public abstract class DynamoDbOtpStoreContract : OtpStoreContract
{
    protected DynamoDbOtpStore DynamoDb => (DynamoDbOtpStore)Store;

    [SkippableFact]
    public async Task Issue_FindsOutOnceWhetherTheEndpointHasTransactions()
    {
        Assert.Null(DynamoDb.IssuesInOneTransaction);

        Assert.Equal(IssueResult.Issued, await Issue(Now, Now + 120));
        Assert.Equal(HasTransactions, DynamoDb.IssuesInOneTransaction);
        Assert.Equal(IssueResult.Issued, await Issue(Now + 1, Now + 121, expectedVersion: 1));
        Assert.Equal(HasTransactions, DynamoDb.IssuesInOneTransaction);
        Assert.Equal((2L, Now + 121), ((await Store.LoadNewestAsync(Address, default)).State.Version, (await Store.LoadNewestAsync(Address, default)).Code!.ExpiresAt));
    }
}

/// <summary>The store against dynalite (no TransactWriteItems: issuing is two conditional writes, as in the local runner).</summary>
public sealed class DynamoDbOtpStoreTests : DynamoDbOtpStoreContract
{
    protected override bool HasTransactions => false;

    protected override async Task<(IOtpStore? Store, string? WhyNot)> OpenAsync()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        var env = emulators.LambdaEnvironment(table);
        return (new DynamoDbOtpStore(TestConfiguration.DynamoDb(env.GetValueOrDefault), table), null);
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
        var store = new DynamoDbOtpStore(TestConfiguration.DynamoDb(env.GetValueOrDefault), "otp_holder");

        var error = await Failures.ThrowsAsync(Dependency.DynamoDB, FailureKind.Transient, () => store.LoadAddressAsync(Address, default));
        Assert.DoesNotContain(Address, error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The store against moto's server, which has TransactWriteItems as AWS does: issuing is one transaction. Skipped where moto is missing.</summary>
public sealed class DynamoDbOtpStoreMotoTests : DynamoDbOtpStoreContract
{
    protected override bool HasTransactions => true;

    protected override async Task<(IOtpStore? Store, string? WhyNot)> OpenAsync()
    {
        if (MotoServer.WhyUnavailable is { } why)
        {
            return (null, why);
        }

        var moto = await MotoServer.SharedAsync();
        var client = LocalTable.CreateClient(moto.Endpoint);
        var table = $"otp_{Guid.NewGuid():N}";
        await LocalTable.CreateAsync(client, table, TimeProvider.System, CancellationToken.None);
        return (new DynamoDbOtpStore(client, table), null);
    }
}
