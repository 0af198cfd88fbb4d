using Amazon.DynamoDBv2.Model;
using OtpService.Core.Contracts;
using OtpService.Local.Emulators;
using OtpService.Local.Streams;
using OtpService.Tests.Integration;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>The stand-in for the table's stream, against dynalite.</summary>
public sealed class TableChangeFeedTests
{
    private static readonly string[] Keys = [LocalTable.PartitionKey, LocalTable.SortKey];

    [Fact]
    public async Task NewKeys_BecomeInsertRecords_ExistingAndOverwrittenKeysDoNot()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        using var client = emulators.CreateDynamoDbClient();
        await PutAsync(client, table, "before@example.com", 100, "x");
        var seen = new List<DynamoDbStreamRecord>();
        await using var feed = new TableChangeFeed(client, table, Keys, new StreamRecordFactory("us-east-1", table, Keys), seen.Add, TimeSpan.FromHours(1), TextWriter.Null);
        await feed.StartAsync(CancellationToken.None);

        await PutAsync(client, table, "new@example.com", 200, "a");
        await PutAsync(client, table, "new@example.com", 150, "b");
        await PutAsync(client, table, "before@example.com", 100, "overwritten");
        var found = await feed.LookAsync(CancellationToken.None);

        Assert.Equal(2, found);
        Assert.All(seen, r => Assert.Equal("INSERT", r.EventName));
        Assert.Equal(["150", "200"], seen.Select(r => r.Dynamodb!.Keys!["EXPIRATION_TIME"].N));
        Assert.Equal("b", seen[0].Dynamodb!.NewImage!["DATA"].S);
        Assert.Equal(0, await feed.LookAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Kick_MakesTheBackgroundLoopLookAtOnce()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        using var client = emulators.CreateDynamoDbClient();
        var seen = new TaskCompletionSource<DynamoDbStreamRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var feed = new TableChangeFeed(client, table, Keys, new StreamRecordFactory("us-east-1", table, Keys), r => seen.TrySetResult(r), TimeSpan.FromHours(1), TextWriter.Null);
        await feed.StartAsync(CancellationToken.None);

        await PutAsync(client, table, "kick@example.com", 300, "k");
        feed.Kick();

        var record = await seen.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("kick@example.com", record.Dynamodb!.Keys!["email_id"].S);
    }

    private static Task<PutItemResponse> PutAsync(Amazon.DynamoDBv2.IAmazonDynamoDB client, string table, string email, long expires, string data) =>
        client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                ["email_id"] = new AttributeValue { S = email },
                ["EXPIRATION_TIME"] = new AttributeValue { N = expires.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["DATA"] = new AttributeValue { S = data },
            },
        });
}
