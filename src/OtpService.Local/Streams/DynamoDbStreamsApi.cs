using System.Text.Json;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace OtpService.Local.Streams;

/// <summary>
/// The four DynamoDB Streams API calls an event source mapping makes (ListStreams, DescribeStream,
/// GetShardIterator, GetRecords), as SigV4-signed JSON 1.0 POSTs with target prefix
/// <c>DynamoDBStreams_20120810</c>. AWSSDK v4 moved its streams client out of AWSSDK.DynamoDBv2
/// into AWSSDK.DynamoDBStreams, which the project's package source does not serve; these calls
/// go through OtpService.Core's signed client instead (the SDK's signer, default credentials).
/// GetRecords' records are already in the JSON shape Lambda delivers (less eventSourceARN, which
/// the mapping adds). Source: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html
/// </summary>
/// <param name="endpoint">The DynamoDB (Streams) endpoint.</param>
/// <param name="region">The region signed for.</param>
/// <param name="clock">The runner's clock (the signing time).</param>
/// <param name="credentials">Null: the emulators' fixed local credentials.</param>
internal sealed class DynamoDbStreamsApi(Uri endpoint, string region, TimeProvider clock, AWSCredentials? credentials = null)
{
    private const string Target = "DynamoDBStreams_20120810.";

    // DynamoDB Streams signs as "dynamodb" (its endpoint is streams.dynamodb.<region>.amazonaws.com).
    private readonly SignedAwsHttpClient client = new(Dependency.DynamoDBStreams, new AwsRequestSigner("dynamodb", region), clock, credentials ?? new BasicAWSCredentials("local", "local"), timeout: TimeSpan.FromSeconds(10));

    public Uri Endpoint { get; } = endpoint;

    /// <summary>The streams of <paramref name="tableName"/>, newest last as DynamoDB lists them.</summary>
    public async Task<IReadOnlyList<string>> ListStreamsAsync(string tableName, CancellationToken cancellationToken)
    {
        var response = await CallAsync("ListStreams", new StreamsRequest { TableName = tableName }, cancellationToken).ConfigureAwait(false);
        return response.Streams?.Select(s => s.StreamArn ?? "").Where(a => a.Length > 0).ToList() ?? [];
    }

    /// <summary>Every shard of the stream (all pages of DescribeStream).</summary>
    public async Task<IReadOnlyList<ShardDescription>> DescribeShardsAsync(string streamArn, CancellationToken cancellationToken)
    {
        var shards = new List<ShardDescription>();
        string? after = null;
        do
        {
            var response = await CallAsync("DescribeStream", new StreamsRequest { StreamArn = streamArn, ExclusiveStartShardId = after }, cancellationToken).ConfigureAwait(false);
            var description = response.StreamDescription ?? throw Invalid($"DynamoDB Streams DescribeStream {streamArn}: no StreamDescription in the answer.");
            shards.AddRange(description.Shards ?? []);
            after = description.LastEvaluatedShardId;
        }
        while (after is not null);

        return shards;
    }

    /// <param name="type">TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER.</param>
    public async Task<string> GetShardIteratorAsync(string streamArn, string shardId, string type, string? sequenceNumber, CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            "GetShardIterator",
            new StreamsRequest { StreamArn = streamArn, ShardId = shardId, ShardIteratorType = type, SequenceNumber = sequenceNumber },
            cancellationToken).ConfigureAwait(false);
        return response.ShardIterator ?? throw Invalid($"DynamoDB Streams GetShardIterator {shardId}: no iterator in the answer.");
    }

    /// <summary>Up to <paramref name="limit"/> records, and the next iterator (null: the shard is closed and read to its end).</summary>
    public async Task<(IReadOnlyList<DynamoDbStreamRecord> Records, string? Next)> GetRecordsAsync(string iterator, int limit, CancellationToken cancellationToken)
    {
        var response = await CallAsync("GetRecords", new StreamsRequest { ShardIterator = iterator, Limit = limit }, cancellationToken).ConfigureAwait(false);
        return (response.Records ?? [], response.NextShardIterator);
    }

    private static DependencyException Invalid(string message, Exception? inner = null) =>
        new(Dependency.DynamoDBStreams, FailureKind.Configuration, AwsFailureClassifier.InvalidResponse, message, inner);

    private async Task<StreamsResponse> CallAsync(string operation, StreamsRequest request, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, StreamsJsonContext.Default.StreamsRequest);
        var answer = await client.PostAsync(
            $"DynamoDB Streams {operation}", Endpoint, body, "application/x-amz-json-1.0", [new("X-Amz-Target", Target + operation)], cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(answer, StreamsJsonContext.Default.StreamsResponse)
                ?? throw new DependencyException(Dependency.DynamoDBStreams, FailureKind.Transient, AwsFailureClassifier.InvalidResponse, $"DynamoDB Streams {operation}: empty answer.");
        }
        catch (JsonException e)
        {
            throw Invalid($"DynamoDB Streams {operation}: the answer is not the API's JSON ({e.Message}).", e);
        }
    }
}
