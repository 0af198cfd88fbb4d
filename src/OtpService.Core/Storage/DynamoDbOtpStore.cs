using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using OtpService.Core.Ports;
using static OtpService.Core.Storage.OtpTable;

namespace OtpService.Core.Storage;

/// <summary>
/// <see cref="IOtpStore"/> over the DynamoDB low-level client. Correctness rests on
/// conditional writes and consistent re-reads only (no transactions), so it behaves the same
/// on DynamoDB and on dynalite.
/// </summary>
public sealed class DynamoDbOtpStore(IAmazonDynamoDB client, string tableName) : IOtpStore
{
    public async Task<AddressHistory> LoadAsync(string address, long expiringSince, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = tableName,
            ConsistentRead = true,
            ScanIndexForward = false,
            KeyConditionExpression = "#a = :a AND #e >= :since",
            ExpressionAttributeNames = new() { ["#a"] = Address, ["#e"] = ExpirationTime },
            ExpressionAttributeValues = new() { [":a"] = S(address), [":since"] = N(expiringSince) },
        };

        var codes = new List<StoredCode>();
        IReadOnlyList<long> sentAt = [];
        long version = 0;
        do
        {
            var page = await Call(() => client.QueryAsync(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (item.ContainsKey(Nonce))
                {
                    codes.Add(ToCode(item));
                }
                else if (item.ContainsKey(RecordVersion))
                {
                    version = Long(item, RecordVersion) ?? 0;
                    sentAt = item.TryGetValue(SentAt, out var list) && list.L is { } values
                        ? values.Select(v => long.Parse(v.N, CultureInfo.InvariantCulture)).ToList()
                        : [];
                }
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        return new AddressHistory(codes, sentAt, version);
    }

    public async Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        var response = await Call(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            ConsistentRead = true,
        }, cancellationToken)).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item && item.ContainsKey(Nonce) ? ToCode(item) : null;
    }

    public async Task<IssueResult> TryIssueAsync(StoredCode code, long expectedVersion, IReadOnlyList<long> sentAt, long keepUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(sentAt);
        var claimed = await Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(code.Address, AddressRecordSortKey),
            UpdateExpression = "SET #v = :next, #s = :sent, #d = :keep",
            ConditionExpression = expectedVersion == 0 ? "attribute_not_exists(#v)" : "#v = :expected",
            ExpressionAttributeNames = new() { ["#v"] = RecordVersion, ["#s"] = SentAt, ["#d"] = DeleteAfter },
            ExpressionAttributeValues = WithExpected(new()
            {
                [":next"] = N(expectedVersion + 1),
                [":sent"] = new AttributeValue { L = sentAt.Select(N).ToList() },
                [":keep"] = N(keepUntil),
            }, expectedVersion),
        }, cancellationToken)).ConfigureAwait(false);
        if (!claimed)
        {
            return IssueResult.Conflict;
        }

        var inserted = await Conditional(() => client.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [Address] = S(code.Address),
                [ExpirationTime] = N(code.ExpiresAt),
                [Nonce] = new AttributeValue { B = new MemoryStream(code.Nonce) },
                [CreatedAt] = N(code.CreatedAt),
                [Digits] = N(code.Digits),
                [Attempts] = N(0),
                [DeleteAfter] = N(keepUntil),
            },
            ConditionExpression = "attribute_not_exists(#a)",
            ExpressionAttributeNames = new() { ["#a"] = Address },
        }, cancellationToken)).ConfigureAwait(false);
        return inserted ? IssueResult.Issued : IssueResult.Conflict;
    }

    public async Task<int?> TryRecordWrongGuessAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken)
    {
        var response = await ConditionalUpdate(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "ADD #n :one",
            ConditionExpression = Usable,
            ExpressionAttributeNames = UsableNames(),
            ExpressionAttributeValues = new() { [":one"] = N(1), [":max"] = N(maxAttempts), [":now"] = N(now) },
            ReturnValues = ReturnValue.UPDATED_NEW,
        }, cancellationToken).ConfigureAwait(false);
        return response is null ? null : (int)(Long(response.Attributes, Attempts) ?? 0);
    }

    public Task<bool> TryMarkUsedAsync(string address, long expiresAt, int maxAttempts, long now, CancellationToken cancellationToken) =>
        Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "SET #u = :now",
            ConditionExpression = Usable,
            ExpressionAttributeNames = UsableNames(),
            ExpressionAttributeValues = new() { [":max"] = N(maxAttempts), [":now"] = N(now) },
        }, cancellationToken));

    public async Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, CancellationToken cancellationToken)
    {
        var response = await ConditionalUpdate(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "SET #c = :now",
            ConditionExpression = "attribute_exists(#nonce) AND attribute_not_exists(#m) AND (attribute_not_exists(#c) OR #c <= :staleBefore)",
            ExpressionAttributeNames = new() { ["#nonce"] = Nonce, ["#m"] = MailedAt, ["#c"] = MailClaimedAt },
            ExpressionAttributeValues = new() { [":now"] = N(now), [":staleBefore"] = N(now - leaseSeconds) },
            ReturnValues = ReturnValue.ALL_NEW,
        }, cancellationToken).ConfigureAwait(false);
        return response is null ? null : ToCode(response.Attributes);
    }

    public Task MarkMailedAsync(string address, long expiresAt, long now, CancellationToken cancellationToken) =>
        Call(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "SET #m = :now REMOVE #c",
            ConditionExpression = "attribute_exists(#a)",
            ExpressionAttributeNames = new() { ["#m"] = MailedAt, ["#c"] = MailClaimedAt, ["#a"] = Address },
            ExpressionAttributeValues = new() { [":now"] = N(now) },
        }, cancellationToken));

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) =>
        Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "REMOVE #c",
            ConditionExpression = "attribute_exists(#a)",
            ExpressionAttributeNames = new() { ["#c"] = MailClaimedAt, ["#a"] = Address },
        }, cancellationToken));

    /// <summary>The code may still be judged: unused, unexpired, attempts left. Shared by guesses and use.</summary>
    private const string Usable = "attribute_exists(#nonce) AND attribute_not_exists(#u) AND #n < :max AND #e >= :now";

    private static Dictionary<string, string> UsableNames() => new()
    {
        ["#nonce"] = Nonce,
        ["#u"] = UsedAt,
        ["#n"] = Attempts,
        ["#e"] = ExpirationTime,
    };

    private static Dictionary<string, AttributeValue> WithExpected(Dictionary<string, AttributeValue> values, long expectedVersion)
    {
        if (expectedVersion != 0)
        {
            values[":expected"] = N(expectedVersion);
        }

        return values;
    }

    private static StoredCode ToCode(Dictionary<string, AttributeValue> item) => new(
        item[Address].S,
        Long(item, ExpirationTime) ?? 0,
        Long(item, CreatedAt) ?? 0,
        item[Nonce].B.ToArray(),
        (int)(Long(item, Digits) ?? 6),
        (int)(Long(item, Attempts) ?? 0),
        Long(item, UsedAt),
        Long(item, MailedAt));

    private static Dictionary<string, AttributeValue> Key(string address, long expiresAt) => new()
    {
        [Address] = S(address),
        [ExpirationTime] = N(expiresAt),
    };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long? Long(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var value) && value.N is { } n
            ? long.Parse(n, CultureInfo.InvariantCulture)
            : null;

    /// <summary>A conditional update's response, or null when its condition failed.</summary>
    private async Task<UpdateItemResponse?> ConditionalUpdate(UpdateItemRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await Call(() => client.UpdateItemAsync(request, cancellationToken)).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>Runs a conditional write: false when its condition failed, true when it applied.</summary>
    private static async Task<bool> Conditional(Func<Task> write)
    {
        try
        {
            await Call(write).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (DynamoDbErrorClassification.Classify(e) is { } failure)
        {
            throw failure;
        }
    }

    private static Task<bool> Call(Func<Task> call) => Call(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    });
}
