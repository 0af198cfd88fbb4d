using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Contracts;

namespace OtpService.Local.Streams;

/// <summary>
/// Stands in for the table's stream, which dynalite does not have: it keeps the set of item keys
/// it has seen and, on each look, reports items whose key is new as INSERT records (an item
/// written over an existing key is a MODIFY in DynamoDB Streams, which the sender ignores, so it
/// is not reported). It looks right away when <see cref="Kick"/> is called (the runner kicks after
/// every GenerateOtp request, so a mail goes out within milliseconds) and every
/// <c>interval</c> otherwise (items written by <c>invoke</c>, tests or the AWS CLI).
/// Items present at start are the baseline, not new.
/// </summary>
internal sealed class TableChangeFeed : IAsyncDisposable
{
    private readonly IAmazonDynamoDB client;
    private readonly string tableName;
    private readonly IReadOnlyList<string> keyAttributes;
    private readonly StreamRecordFactory records;
    private readonly Action<DynamoDbStreamRecord> emit;
    private readonly TimeSpan interval;
    private readonly TextWriter log;
    private readonly SemaphoreSlim kicks = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private HashSet<string> known = new(StringComparer.Ordinal);
    private Task? loop;

    public TableChangeFeed(
        IAmazonDynamoDB client, string tableName, IReadOnlyList<string> keyAttributes, StreamRecordFactory records,
        Action<DynamoDbStreamRecord> emit, TimeSpan interval, TextWriter log)
    {
        this.client = client;
        this.tableName = tableName;
        this.keyAttributes = keyAttributes;
        this.records = records;
        this.emit = emit;
        this.interval = interval;
        this.log = log;
    }

    /// <summary>Reads the baseline, then watches in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        known = await ScanKeysAsync(cancellationToken).ConfigureAwait(false);
        loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Look now (coalesced: many kicks while a look is pending make one look).</summary>
    public void Kick()
    {
        try
        {
            kicks.Release();
        }
        catch (SemaphoreFullException)
        {
            // A look is already pending.
        }
    }

    /// <summary>One look: emits an INSERT record per new key. Returns how many.</summary>
    public async Task<int> LookAsync(CancellationToken cancellationToken)
    {
        var current = await ScanKeysAsync(cancellationToken).ConfigureAwait(false);
        var fresh = current.Where(k => !known.Contains(k)).ToList();
        known = current;
        var found = new List<Dictionary<string, AttributeValue>>();
        foreach (var key in fresh)
        {
            var item = await client.GetItemAsync(new GetItemRequest
            {
                TableName = tableName,
                Key = ParseKey(key),
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
            if (item.Item is { Count: > 0 })
            {
                found.Add(item.Item);
            }
        }

        // Oldest first within one look; EXPIRATION_TIME (the sort key) orders an address's codes.
        foreach (var item in found.OrderBy(i => SortValue(i)))
        {
            emit(records.Insert(item));
        }

        return found.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        stopping.Dispose();
        kicks.Dispose();
    }

    private async Task RunAsync()
    {
        var token = stopping.Token;
        while (!token.IsCancellationRequested)
        {
            await kicks.WaitAsync(interval, token).ConfigureAwait(false);
            try
            {
                await LookAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException)
            {
                log.WriteLine($"{DateTime.Now:HH:mm:ss} stream: cannot read table {tableName}: {e.Message}");
                await Task.Delay(1000, token).ConfigureAwait(false);
            }
        }
    }

    private async Task<HashSet<string>> ScanKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var names = keyAttributes.Select((name, i) => (Placeholder: $"#k{i}", Name: name)).ToList();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                ConsistentRead = true,
                ProjectionExpression = string.Join(", ", names.Select(n => n.Placeholder)),
                ExpressionAttributeNames = names.ToDictionary(n => n.Placeholder, n => n.Name),
                ExclusiveStartKey = start,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                keys.Add(FormatKey(item));
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return keys;
    }

    // A key as text: "name\u001Ftype\u001Fvalue" per key attribute, joined by \u001E (values never hold these separators in practice).
    private string FormatKey(Dictionary<string, AttributeValue> item) =>
        string.Join('\u001E', keyAttributes.Select(name =>
        {
            var value = item.GetValueOrDefault(name);
            return value?.S is { } s ? $"{name}\u001FS\u001F{s}" : $"{name}\u001FN\u001F{value?.N}";
        }));

    private static Dictionary<string, AttributeValue> ParseKey(string key) =>
        key.Split('\u001E').Select(part => part.Split('\u001F', 3)).ToDictionary(
            p => p[0],
            p => p[1] == "S" ? new AttributeValue { S = p[2] } : new AttributeValue { N = p[2] },
            StringComparer.Ordinal);

    private decimal SortValue(Dictionary<string, AttributeValue> item) =>
        keyAttributes.Count > 1 && item.GetValueOrDefault(keyAttributes[1])?.N is { } n
            && decimal.TryParse(n, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d
            : 0m;
}
