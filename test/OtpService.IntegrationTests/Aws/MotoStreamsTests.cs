using OtpService.Tests.Integration;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Local.Emulators;
using OtpService.Local.Lambda;
using OtpService.Local.Streams;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>One moto server for the tests of a class (skipped where moto is missing).</summary>
public sealed class MotoFixture : IAsyncLifetime
{
    private MotoServer? server;

    public Uri Endpoint => (server ?? throw new InvalidOperationException("moto is not running")).Endpoint;

    public async Task InitializeAsync()
    {
        if (MotoServer.WhyUnavailable is null)
        {
            server = await MotoServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>The real DynamoDB Streams API (moto's) read as Lambda's event source mapping reads it.</summary>
public sealed class MotoStreamsTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    private static readonly TableDefinition Table = SamTemplate.Load(_ => null).Table();

    [MotoFact]
    public async Task TableCreatedAsTheTemplateDefinesIt_HasAStreamAndTtl()
    {
        using var client = LocalTable.CreateClient(moto.Endpoint);
        var name = $"otp_{Guid.NewGuid():N}";

        var streamArn = await LocalTable.CreateAsync(client, name, TimeProvider.System, CancellationToken.None, Table);

        Assert.NotNull(streamArn);
        var table = (await client.DescribeTableAsync(name)).Table;
        Assert.Equal(StreamViewType.NEW_IMAGE, table.StreamSpecification.StreamViewType);
        Assert.Equal(Table.KeyNames, table.KeySchema.Select(k => k.AttributeName));
        var ttl = await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = name });
        Assert.Equal(Table.TimeToLiveAttribute, ttl.TimeToLiveDescription.AttributeName);
        Assert.Contains(streamArn, await new DynamoDbStreamsApi(moto.Endpoint, "us-east-1", TimeProvider.System).ListStreamsAsync(name, CancellationToken.None));
    }

    [MotoFact]
    public async Task Poller_DeliversInsertModifyRemove_InOrder_AsGetRecordsReturnedThem()
    {
        var (client, name, streamArn) = await NewTableAsync();
        using var _ = client;
        var seen = new ConcurrentQueue<DynamoDbStreamRecord>();
        var mapping = SamTemplate.Load(_ => null).StreamMapping() with { Filter = new EventFilter([]) };
        await using var poller = Poller(streamArn, mapping, Function(seen, _ => "{}"));
        await poller.StartAsync(CancellationToken.None);

        await client.PutItemAsync(name, Item("a@example.com", 1, "one"));
        await client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = name,
            Key = Key("a@example.com", 1),
            UpdateExpression = "SET #d = :d",
            ExpressionAttributeNames = new() { ["#d"] = "DATA" },
            ExpressionAttributeValues = new() { [":d"] = new AttributeValue { S = "two" } },
        });
        await client.DeleteItemAsync(name, Key("a@example.com", 1));

        Assert.True(await WaitAsync(() => seen.Count >= 3), $"got {seen.Count} record(s)");
        var records = seen.ToList();
        Assert.Equal(["INSERT", "MODIFY", "REMOVE"], records.Select(r => r.EventName));
        Assert.All(records, r => Assert.Equal(streamArn, r.EventSourceArn));
        Assert.Equal("one", records[0].Dynamodb!.NewImage!["DATA"].S);
        Assert.Equal("two", records[1].Dynamodb!.NewImage!["DATA"].S);
        Assert.Equal("a@example.com", records[2].Dynamodb!.Keys!["email_id"].S);
        var sequence = records.Select(r => decimal.Parse(r.Dynamodb!.SequenceNumber!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequence.Order(), sequence);
    }

    [MotoFact]
    public async Task Poller_WithTheTemplatesFilter_DeliversOnlyCodeInserts()
    {
        var (client, name, streamArn) = await NewTableAsync();
        using var _ = client;
        var seen = new ConcurrentQueue<DynamoDbStreamRecord>();
        await using var poller = Poller(streamArn, SamTemplate.Load(_ => null).StreamMapping(), Function(seen, _ => "{}"));
        await poller.StartAsync(CancellationToken.None);

        await client.PutItemAsync(name, Item("a@example.com", 9_999_999_999, "address record"));
        await client.PutItemAsync(name, new Dictionary<string, AttributeValue>(Key("a@example.com", 100)) { ["NONCE"] = new AttributeValue { B = new MemoryStream([1, 2, 3]) } });
        await client.PutItemAsync(name, Item("b@example.com", 9_999_999_999, "another address record"));

        Assert.True(await WaitAsync(() => poller.RecordsRead >= 3 && poller.Pending == 0));
        var record = Assert.Single(seen);
        Assert.Equal(Convert.ToBase64String([1, 2, 3]), Convert.ToBase64String(record.Dynamodb!.NewImage!["NONCE"].B!));
    }

    [MotoFact]
    public async Task Poller_BatchItemFailure_RedeliversTheFailedRecordOnward()
    {
        var (client, name, streamArn) = await NewTableAsync();
        using var _ = client;
        var seen = new ConcurrentQueue<DynamoDbStreamRecord>();
        var calls = 0;
        var mapping = SamTemplate.Load(_ => null).StreamMapping() with { Filter = new EventFilter([]) };
        await using var poller = Poller(streamArn, mapping, Function(seen, batch =>
            Interlocked.Increment(ref calls) == 1
                ? $$"""{"batchItemFailures":[{"itemIdentifier":"{{batch[0].Dynamodb!.SequenceNumber}}"}]}"""
                : "{}"));
        await poller.StartAsync(CancellationToken.None);

        await client.PutItemAsync(name, Item("retry@example.com", 1, "x"));

        Assert.True(await WaitAsync(() => seen.Count >= 2 && poller.Pending == 0));
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen.First().Dynamodb!.SequenceNumber, seen.Last().Dynamodb!.SequenceNumber);
    }

    private async Task<(AmazonDynamoDBClient Client, string Name, string StreamArn)> NewTableAsync()
    {
        var client = LocalTable.CreateClient(moto.Endpoint);
        var name = $"otp_{Guid.NewGuid():N}";
        var streamArn = await LocalTable.CreateAsync(client, name, TimeProvider.System, CancellationToken.None, Table) ?? throw new InvalidOperationException("moto gave no stream");
        return (client, name, streamArn);
    }

    private DynamoDbStreamsPoller Poller(string streamArn, StreamMapping mapping, FunctionPool function) =>
        new(new DynamoDbStreamsApi(moto.Endpoint, "us-east-1", TimeProvider.System), streamArn, mapping.StartingPosition,
            shard => new StreamDeliverer(function, mapping, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1), shard), TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(50));

    private static FunctionPool Function(ConcurrentQueue<DynamoDbStreamRecord> seen, Func<List<DynamoDbStreamRecord>, string> answer) =>
        new(LambdaFunctions.SendOtpEmail, () => async input =>
        {
            var e = await JsonSerializer.DeserializeAsync(input, LambdaJsonContext.Default.DynamoDbStreamEvent);
            foreach (var record in e!.Records!)
            {
                seen.Enqueue(record);
            }

            return new MemoryStream(Encoding.UTF8.GetBytes(answer(e.Records!)));
        });

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        return condition();
    }

    private static Dictionary<string, AttributeValue> Key(string email, long expires) => new()
    {
        ["email_id"] = new AttributeValue { S = email },
        ["EXPIRATION_TIME"] = new AttributeValue { N = expires.ToString(CultureInfo.InvariantCulture) },
    };

    private static Dictionary<string, AttributeValue> Item(string email, long expires, string data) =>
        new(Key(email, expires)) { ["DATA"] = new AttributeValue { S = data } };
}
