using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Core.Aws;
using OtpService.Local.Streams;
using OtpService.Tests.Support;

namespace OtpService.Tests.Integration;

/// <summary>
/// The DynamoDB Streams INSERT records that DynamoDB would emit for code items of a table, read
/// back from the emulator (dynalite has no streams), and SendOtpEmail's answer to them.
/// </summary>
internal static class TableStream
{
    /// <summary>One stream event with an INSERT record for each code item of <paramref name="addresses"/>, in order.</summary>
    public static async Task<(string Event, IReadOnlyList<string> Sequences)> InsertsAsync(EmulatorEndpoints emulators, string table, params string[] addresses)
    {
        using var client = emulators.CreateDynamoDbClient();
        var factory = new StreamRecordFactory("us-east-1", table, [OtpTable.Address, OtpTable.ExpirationTime], TimeProvider.System);
        var records = new List<DynamoDbStreamRecord>();
        foreach (var address in addresses)
        {
            var items = await client.QueryAsync(new QueryRequest
            {
                TableName = table,
                KeyConditionExpression = "email_id = :a",
                ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = address } },
            });
            records.AddRange(items.Items.Where(i => i.ContainsKey(OtpTable.Nonce)).Select(i => factory.Insert(i)));
        }

        var streamEvent = new DynamoDbStreamEvent { Records = records };
        return (JsonSerializer.Serialize(streamEvent, LambdaJsonContext.Default.DynamoDbStreamEvent), records.Select(r => r.Dynamodb!.SequenceNumber!).ToList());
    }

    /// <summary>The sequence numbers SendOtpEmail reports in batchItemFailures for <paramref name="streamEvent"/>.</summary>
    public static async Task<List<string>> SendAsync(SendOtpEmail.Function send, string streamEvent)
    {
        var output = await send.FunctionHandler(ApiEvent.Raw(streamEvent));
        return JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier).ToList();
    }

    /// <summary>The code items of <paramref name="address"/> that still carry a mailing claim (none must, after any invocation ends).</summary>
    public static async Task<int> ClaimsHeldAsync(EmulatorEndpoints emulators, string table, string address)
    {
        using var client = emulators.CreateDynamoDbClient();
        var items = await client.QueryAsync(new QueryRequest
        {
            TableName = table,
            ConsistentRead = true,
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = address } },
        });
        return items.Items.Count(i => i.ContainsKey(OtpTable.MailClaimedAt));
    }
}
