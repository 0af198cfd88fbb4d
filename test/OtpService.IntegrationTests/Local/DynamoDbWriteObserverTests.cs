using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Local.Emulators;
using OtpService.Local.Streams;
using OtpService.Tests.Integration;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>The stream stand-in for dynalite: a proxy that sees each write, against a real dynalite.</summary>
public sealed class DynamoDbWriteObserverTests : IAsyncLifetime
{
    private static readonly string[] Keys = ["email_id", "EXPIRATION_TIME"];
    private readonly ConcurrentQueue<DynamoDbStreamRecord> seen = new();
    private DynamoDbWriteObserver observer = null!;
    private AmazonDynamoDBClient client = null!;
    private string table = "";
    private string otherTable = "";

    public async Task InitializeAsync()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        table = await emulators.CreateTableAsync();
        otherTable = await emulators.CreateTableAsync();
        var records = new StreamRecordFactory("us-east-1", table, Keys, TimeProvider.System, "NEW_AND_OLD_IMAGES");
        observer = await DynamoDbWriteObserver.StartAsync(Ports.FreePort(), emulators.DynamoDbEndpoint, table, Keys, records, seen.Enqueue, CancellationToken.None);
        client = LocalTable.CreateClient(observer.Endpoint);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await observer.DisposeAsync();
    }

    [Fact]
    public async Task EachKindOfWrite_GivesTheRecordDynamoDbStreamsWould()
    {
        await PutAsync("a@example.com", 100, "one");
        await PutAsync("a@example.com", 100, "one"); // Unchanged: no record.
        await client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = Key("a@example.com", 100),
            UpdateExpression = "SET #d = :d",
            ExpressionAttributeNames = new() { ["#d"] = "DATA" },
            ExpressionAttributeValues = new() { [":d"] = new AttributeValue { S = "two" } },
        });
        await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key("a@example.com", 100) });
        await client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key("a@example.com", 100) }); // Already gone: no record.

        var records = seen.ToList();
        Assert.Equal(["INSERT", "MODIFY", "REMOVE"], records.Select(r => r.EventName));
        Assert.Null(records[0].Dynamodb!.OldImage);
        Assert.Equal("one", records[0].Dynamodb!.NewImage!["DATA"].S);
        Assert.Equal(("one", "two"), (records[1].Dynamodb!.OldImage!["DATA"].S, records[1].Dynamodb!.NewImage!["DATA"].S));
        Assert.Null(records[2].Dynamodb!.NewImage);
        Assert.Equal("a@example.com", records[2].Dynamodb!.Keys!["email_id"].S);
        Assert.Equal("100", records[2].Dynamodb!.Keys!["EXPIRATION_TIME"].N);
    }

    [Fact]
    public async Task RefusedConditionalWrite_GivesNoRecord_AndTheClientSeesTheRefusal()
    {
        await PutAsync("c@example.com", 1, "x");
        seen.Clear();

        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = Item("c@example.com", 1, "y"),
            ConditionExpression = "attribute_not_exists(email_id)",
        }));

        Assert.Empty(seen);
    }

    [Fact]
    public async Task BatchWrite_GivesOneRecordPerItem_AndOtherTablesNone()
    {
        await client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new()
            {
                [table] = [new WriteRequest(new PutRequest(Item("b1@example.com", 1, "x"))), new WriteRequest(new PutRequest(Item("b2@example.com", 1, "x")))],
                [otherTable] = [new WriteRequest(new PutRequest(Item("elsewhere@example.com", 1, "x")))],
            },
        });

        Assert.Equal(["b1@example.com", "b2@example.com"], seen.Select(r => r.Dynamodb!.Keys!["email_id"].S).Order());
    }

    [Fact]
    public async Task ReadsPassThrough_AndGiveNoRecord()
    {
        await PutAsync("r@example.com", 5, "x");
        seen.Clear();

        var item = await client.GetItemAsync(table, Key("r@example.com", 5));
        var query = await client.QueryAsync(new QueryRequest
        {
            TableName = table,
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = "r@example.com" } },
        });

        Assert.Equal("x", item.Item["DATA"].S);
        Assert.Single(query.Items);
        Assert.Empty(seen);
    }

    [Fact]
    public async Task ConcurrentUpdatesOfOneKey_GiveAChainOfImages_WithNoWriteLostOrSeenTwice()
    {
        await client.PutItemAsync(new PutItemRequest { TableName = table, Item = new() { ["email_id"] = new() { S = "n@example.com" }, ["EXPIRATION_TIME"] = new() { N = "1" }, ["N"] = new() { N = "0" } } });
        seen.Clear();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = Key("n@example.com", 1),
            UpdateExpression = "ADD N :one",
            ExpressionAttributeValues = new() { [":one"] = new AttributeValue { N = "1" } },
        })));

        var pairs = seen.Select(r => (Old: int.Parse(r.Dynamodb!.OldImage!["N"].N!, CultureInfo.InvariantCulture), New: int.Parse(r.Dynamodb!.NewImage!["N"].N!, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(20, pairs.Count);
        Assert.All(pairs, p => Assert.Equal(p.Old + 1, p.New));
        Assert.Equal(Enumerable.Range(1, 20), pairs.Select(p => p.New).Order());
    }

    private Task<PutItemResponse> PutAsync(string email, long expires, string data) =>
        client.PutItemAsync(new PutItemRequest { TableName = table, Item = Item(email, expires, data) });

    private static Dictionary<string, AttributeValue> Key(string email, long expires) => new()
    {
        ["email_id"] = new AttributeValue { S = email },
        ["EXPIRATION_TIME"] = new AttributeValue { N = expires.ToString(CultureInfo.InvariantCulture) },
    };

    private static Dictionary<string, AttributeValue> Item(string email, long expires, string data) =>
        new(Key(email, expires)) { ["DATA"] = new AttributeValue { S = data } };
}
