using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using OtpService.Local.Template;

namespace OtpService.Local.Emulators;

/// <summary>Creates the OTP table the way template.yaml declares it, against a local DynamoDB endpoint (an emulator).</summary>
internal static class LocalTable
{
    // The names are Core's, so the local table cannot drift from what the store reads and writes.
    public const string PartitionKey = Core.Aws.OtpTable.Address;
    public const string SortKey = Core.Aws.OtpTable.ExpirationTime;
    public const string TtlAttribute = Core.Aws.OtpTable.DeleteAfter;

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
    /// Creates <paramref name="tableName"/> as template.yaml defines the table (attributes, key
    /// schema, on-demand billing, the stream's view type) and enables TTL on its TTL attribute.
    /// Idempotent. Returns the stream's ARN, or null when the emulator has no streams: dynalite
    /// drops the stream specification silently (and does not know UpdateTimeToLive; both are
    /// tolerated, the runner then observes writes itself). <paramref name="clock"/> signs the streams call that finds the ARN.
    /// </summary>
    public static async Task<string?> CreateAsync(IAmazonDynamoDB client, string tableName, TimeProvider clock, CancellationToken cancellationToken, TableDefinition? definition = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        definition ??= SamTemplate.Load().Table();
        try
        {
            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = tableName,
                AttributeDefinitions = definition.Attributes.Select(a => new AttributeDefinition(a.Name, new ScalarAttributeType(a.Type))).ToList(),
                KeySchema = definition.KeySchema.Select(k => new KeySchemaElement(k.Name, new KeyType(k.KeyType))).ToList(),
                BillingMode = BillingMode.PAY_PER_REQUEST,
                StreamSpecification = definition.StreamViewType is { } view
                    ? new StreamSpecification { StreamEnabled = true, StreamViewType = new StreamViewType(view) }
                    : null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceInUseException)
        {
            // Already there (a kept --data directory, a second caller, an emulator that keeps its tables).
        }

        var description = await WaitUntilActiveAsync(client, tableName, cancellationToken).ConfigureAwait(false);

        if (definition.TimeToLiveAttribute is { } ttl)
        {
            try
            {
                await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
                {
                    TableName = tableName,
                    TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ttl, Enabled = true },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonDynamoDBException e) when (e.ErrorCode is "UnknownOperationException" or "ValidationException")
            {
                // dynalite has no TTL (items never expire there); ValidationException: TTL already enabled.
            }
        }

        if (description.StreamSpecification?.StreamEnabled != true)
        {
            return null;
        }

        // Some emulators name the stream only in ListStreams.
        if (description.LatestStreamArn is { } latest)
        {
            return latest;
        }

        var listed = await new Streams.DynamoDbStreamsApi(new Uri(client.Config.ServiceURL), client.Config.AuthenticationRegion ?? "us-east-1", clock)
            .ListStreamsAsync(tableName, cancellationToken).ConfigureAwait(false);
        return listed.Count > 0 ? listed[^1] : null;
    }

    private static async Task<TableDescription> WaitUntilActiveAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var table = await client.DescribeTableAsync(tableName, cancellationToken).ConfigureAwait(false);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                return table.Table;
            }

            if (i >= 200)
            {
                throw new TimeoutException($"Table {tableName} is still {table.Table.TableStatus} after 10 s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
