using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace OtpService.Local.Emulators;

/// <summary>Creates the OTP table the way template.yaml declares it, against a local DynamoDB endpoint.</summary>
internal static class LocalTable
{
    // The names are Core's, so the local table cannot drift from what the store reads and writes.
    public const string PartitionKey = Core.Storage.OtpTable.Address;
    public const string SortKey = Core.Storage.OtpTable.ExpirationTime;
    public const string TtlAttribute = Core.Storage.OtpTable.DeleteAfter;

    /// <summary>A low-level client for a local endpoint; the emulator checks no signature, so the credentials are dummies.</summary>
    public static AmazonDynamoDBClient CreateClient(Uri endpoint) =>
        new(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromSeconds(10),
        });

    /// <summary>
    /// Creates <paramref name="tableName"/> (email_id S HASH, EXPIRATION_TIME N RANGE, on demand,
    /// stream NEW_IMAGE) and enables TTL on DELETE_AFTER. Idempotent. dynalite drops the stream
    /// specification silently and does not know UpdateTimeToLive; both are tolerated.
    /// </summary>
    public static async Task CreateAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = tableName,
                AttributeDefinitions =
                [
                    new AttributeDefinition(PartitionKey, ScalarAttributeType.S),
                    new AttributeDefinition(SortKey, ScalarAttributeType.N),
                ],
                KeySchema =
                [
                    new KeySchemaElement(PartitionKey, KeyType.HASH),
                    new KeySchemaElement(SortKey, KeyType.RANGE),
                ],
                BillingMode = BillingMode.PAY_PER_REQUEST,
                StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_IMAGE },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceInUseException)
        {
            // Already there (a kept --data directory, or a second caller).
        }

        await WaitUntilActiveAsync(client, tableName, cancellationToken).ConfigureAwait(false);

        try
        {
            await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = tableName,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = TtlAttribute, Enabled = true },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode == "UnknownOperationException" || e.ErrorCode == "ValidationException")
        {
            // dynalite has no TTL (items never expire there); ValidationException: TTL already enabled.
        }
    }

    private static async Task WaitUntilActiveAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var table = await client.DescribeTableAsync(tableName, cancellationToken).ConfigureAwait(false);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }

            if (i >= 200)
            {
                throw new TimeoutException($"Table {tableName} is still {table.Table.TableStatus} after 10 s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
