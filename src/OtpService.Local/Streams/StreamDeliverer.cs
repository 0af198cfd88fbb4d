using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using OtpService.Core.Lambda;
using OtpService.Local.Lambda;
using OtpService.Local.Template;

namespace OtpService.Local.Streams;

/// <summary>
/// Lambda's DynamoDB Streams event source mapping for one shard, configured from template.yaml:
/// records that match none of the mapping's filters are dropped; the rest go to the function in
/// order, in batches of up to <see cref="StreamMapping.BatchSize"/>. With ReportBatchItemFailures
/// the function names failed records in <c>batchItemFailures</c>, and the earliest failed record
/// and every record after it are retried (the ones before it are done); a function error retries
/// the batch, split in two first when BisectBatchOnFunctionError is set. Retries back off
/// exponentially and stop after MaximumRetryAttempts (or when a record is older than
/// MaximumRecordAgeInSeconds); the batch then goes where the on-failure destination would get it:
/// here, one clear log line with the record Lambda sends there (shard, sequence numbers, count),
/// and the records to the optional on-failure callback (tests read it as the failure queue).
/// Source: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html and
/// https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
/// </summary>
internal sealed class StreamDeliverer : IAsyncDisposable
{
    private readonly FunctionPool function;
    private readonly StreamMapping mapping;
    private readonly TextWriter log;
    private readonly TimeSpan firstBackoff;
    private readonly TimeProvider clock;
    private readonly string shardId;
    private readonly Action<IReadOnlyList<DynamoDbStreamRecord>>? onFailure;
    private readonly Channel<DynamoDbStreamRecord> queue = Channel.CreateUnbounded<DynamoDbStreamRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task loop;
    private readonly CancellationTokenSource stopping = new();
    private long pending;
    private long filteredOut;
    private long sentToOnFailure;

    /// <param name="function">The function the records go to.</param>
    /// <param name="mapping">The template's event source mapping (filters, batch size, retries, destination).</param>
    /// <param name="log">Where delivery lines go.</param>
    /// <param name="clock">The clock of retries, record ages and the delivery lines.</param>
    /// <param name="firstBackoff">The wait before the first retry (doubled for each next one).</param>
    /// <param name="shardId">The shard named in the on-failure record.</param>
    /// <param name="onFailure">Receives the records given up on (what the on-failure destination would receive).</param>
    public StreamDeliverer(
        FunctionPool function,
        StreamMapping mapping,
        TextWriter log,
        TimeProvider clock,
        TimeSpan? firstBackoff = null,
        string shardId = "shardId-local-000000",
        Action<IReadOnlyList<DynamoDbStreamRecord>>? onFailure = null)
    {
        this.onFailure = onFailure;
        this.function = function;
        this.mapping = mapping;
        this.log = log;
        this.firstBackoff = firstBackoff ?? TimeSpan.FromMilliseconds(100);
        this.shardId = shardId;
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        loop = Task.Run(RunAsync);
    }

    /// <summary>Records queued or in delivery.</summary>
    public long Pending => Interlocked.Read(ref pending);

    /// <summary>Records no filter matched (Lambda's FilteredOutEventCount).</summary>
    public long FilteredOut => Interlocked.Read(ref filteredOut);

    /// <summary>Records given up on (what the on-failure destination would have received).</summary>
    public long SentToOnFailure => Interlocked.Read(ref sentToOnFailure);

    /// <summary>Filters the record and queues it for delivery if it matches.</summary>
    public void Enqueue(DynamoDbStreamRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!mapping.Filter.Matches(record))
        {
            Interlocked.Increment(ref filteredOut);
            return;
        }

        Interlocked.Increment(ref pending);
        if (!queue.Writer.TryWrite(record))
        {
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>Waits (bounded) until everything queued so far has been delivered or given up.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var started = clock.GetTimestamp();
        while (Pending > 0 && clock.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        return Pending == 0;
    }

    /// <summary>
    /// How long <see cref="DisposeAsync"/> waits for an invocation still running (a function cannot be
    /// cancelled, and one waiting on a dependency that hangs runs until its own timeout, up to 900 s).
    /// </summary>
    public static readonly TimeSpan InvocationWaitOnStop = TimeSpan.FromSeconds(3);

    /// <summary>Stops delivering: waits for an invocation in progress up to <see cref="InvocationWaitOnStop"/>, then leaves it.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.WaitAsync(InvocationWaitOnStop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to retry.
        }
        catch (TimeoutException)
        {
            // The process ends soon; the invocation ends with it (its batch is not delivered).
            Log(string.Create(CultureInfo.InvariantCulture, $"an invocation still running after {InvocationWaitOnStop.TotalSeconds:0} s is left behind at the stop ({Pending} record(s) not delivered)"));
            return; // The loop still uses the token source.
        }

        stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync(stopping.Token).ConfigureAwait(false))
        {
            var batch = new List<DynamoDbStreamRecord>();
            while (batch.Count < Math.Max(1, mapping.BatchSize) && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            await DeliverAsync(batch, 0, stopping.Token).ConfigureAwait(false);
            Interlocked.Add(ref pending, -batch.Count);
        }
    }

    private async Task DeliverAsync(List<DynamoDbStreamRecord> batch, int retriesSoFar, CancellationToken cancellationToken)
    {
        var remaining = batch;
        for (var retries = retriesSoFar; ; retries++)
        {
            remaining = DropTooOld(remaining);
            if (remaining.Count == 0)
            {
                return;
            }

            var started = clock.GetTimestamp();
            var (failedFrom, functionError) = await InvokeAsync(remaining).ConfigureAwait(false);
            var ms = clock.GetElapsedTime(started).TotalMilliseconds;
            if (failedFrom < 0)
            {
                Log(string.Create(CultureInfo.InvariantCulture, $"{Describe(remaining)} delivered, {ms:0.0} ms"));
                return;
            }

            remaining = remaining[failedFrom..];
            if (mapping.MaximumRetryAttempts >= 0 && retries >= mapping.MaximumRetryAttempts)
            {
                GiveUp(remaining, "RetryAttemptsExhausted", retries + 1, functionError);
                return;
            }

            if (functionError is not null && mapping.BisectBatchOnFunctionError && remaining.Count > 1)
            {
                var half = remaining.Count / 2;
                Log($"{remaining.Count} record(s) failed ({functionError}); bisecting into {half} + {remaining.Count - half}");
                await DeliverAsync(remaining[..half], retries + 1, cancellationToken).ConfigureAwait(false);
                await DeliverAsync(remaining[half..], retries + 1, cancellationToken).ConfigureAwait(false);
                return;
            }

            var backoff = firstBackoff * Math.Pow(2, Math.Min(retries - retriesSoFar, 10));
            var limit = mapping.MaximumRetryAttempts < 0 ? "no limit" : $"{mapping.MaximumRetryAttempts} retries";
            Log(string.Create(CultureInfo.InvariantCulture,
                $"{remaining.Count} record(s) failed{(functionError is null ? "" : $" ({functionError})")}; retry {retries + 1} ({limit}) in {backoff.TotalMilliseconds:0} ms"));
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    private List<DynamoDbStreamRecord> DropTooOld(List<DynamoDbStreamRecord> records)
    {
        if (mapping.MaximumRecordAgeInSeconds < 0)
        {
            return records;
        }

        var oldest = clock.GetUtcNow().ToUnixTimeSeconds() - mapping.MaximumRecordAgeInSeconds;
        var firstYoung = records.FindIndex(r => (r.Dynamodb?.ApproximateCreationDateTime ?? double.MaxValue) >= oldest);
        var tooOld = firstYoung < 0 ? records : records[..firstYoung];
        if (tooOld.Count > 0)
        {
            GiveUp(tooOld, "RecordAgeExceeded", 0, null);
        }

        return firstYoung < 0 ? [] : records[firstYoung..];
    }

    /// <summary>Invokes the function once: (-1, null) on success, else the index of the first record to retry and, for a function error, what it was.</summary>
    private async Task<(int FailedFrom, string? FunctionError)> InvokeAsync(List<DynamoDbStreamRecord> records)
    {
        using var input = new MemoryStream();
        JsonSerializer.Serialize(input, new DynamoDbStreamEvent { Records = records }, LambdaJsonContext.Default.DynamoDbStreamEvent);
        input.Position = 0;
        StreamBatchResponse? response;
        try
        {
            using var output = await function.InvokeAsync(input).ConfigureAwait(false);
            if (output.CanSeek && output.Length - output.Position == 0)
            {
                return (-1, null); // An empty response is success, as in Lambda.
            }

            response = await JsonSerializer.DeserializeAsync(output, LambdaJsonContext.Default.StreamBatchResponse).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A function error means: retry the batch, as the event source mapping does.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (0, $"{e.GetType().Name}: {e.Message}");
        }

        if (!mapping.ReportBatchItemFailures || response?.BatchItemFailures is not { Count: > 0 } failures)
        {
            return (-1, null);
        }

        var first = int.MaxValue;
        foreach (var failure in failures)
        {
            var index = records.FindIndex(r => r.Dynamodb?.SequenceNumber == failure.ItemIdentifier);
            if (index < 0)
            {
                return (0, null); // An identifier that names no record fails the whole batch, as in Lambda.
            }

            first = Math.Min(first, index);
        }

        return (first, null);
    }

    /// <summary>Logs the invocation record Lambda would send to the on-failure destination (for streams: the batch's shard and sequence range, never the records).</summary>
    private void GiveUp(List<DynamoDbStreamRecord> records, string condition, int invokeCount, string? functionError)
    {
        Interlocked.Add(ref sentToOnFailure, records.Count);
        var info = new JsonObject
        {
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["functionArn"] = $"arn:aws:lambda:us-east-1:123456789012:function:{function.Name}",
                ["condition"] = condition,
                ["approximateInvokeCount"] = invokeCount,
            },
            ["responseContext"] = functionError is null ? null : new JsonObject { ["functionError"] = "Unhandled" },
            ["version"] = "1.0",
            ["timestamp"] = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["DDBStreamBatchInfo"] = new JsonObject
            {
                ["shardId"] = shardId,
                ["startSequenceNumber"] = records[0].Dynamodb?.SequenceNumber,
                ["endSequenceNumber"] = records[^1].Dynamodb?.SequenceNumber,
                ["approximateArrivalOfFirstRecord"] = Arrival(records[0]),
                ["approximateArrivalOfLastRecord"] = Arrival(records[^1]),
                ["batchSize"] = records.Count,
                ["streamArn"] = records[0].EventSourceArn,
            },
        };
        var destination = mapping.OnFailureDestination is { } d ? $"on-failure destination {d}" : "no on-failure destination (the records are lost)";
        Log($"GAVE UP on {records.Count} record(s) ({condition}); in AWS they go to the {destination}: {info.ToJsonString()}");
        onFailure?.Invoke(records);
    }

    private static string? Arrival(DynamoDbStreamRecord record) =>
        record.Dynamodb?.ApproximateCreationDateTime is { } seconds
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)
            : null;

    private static string Describe(List<DynamoDbStreamRecord> records)
    {
        var names = records.GroupBy(r => r.EventName ?? "?").Select(g => (g.Key, Count: g.Count())).ToList();
        return names.Count == 1
            ? $"{records.Count} {names[0].Key} record(s)"
            : $"{records.Count} record(s) ({string.Join(", ", names.Select(n => $"{n.Count} {n.Key}"))})";
    }

    private void Log(string message) =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.GetLocalNow():HH:mm:ss} stream -> {function.Name}: {message}"));
}
