using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using OtpService.Core.Contracts;
using OtpService.Local.Lambda;

namespace OtpService.Local.Streams;

/// <summary>
/// Lambda's DynamoDB Streams event source mapping, for one shard: records go to the function
/// in order, in batches of up to <see cref="MaxBatchSize"/>. With ReportBatchItemFailures the
/// function names failed records in <c>batchItemFailures</c>; the failed record and every record
/// after it are redelivered, with exponential backoff, up to <see cref="MaxAttempts"/> tries,
/// then logged and handed to the on-failure callback (where the on-failure destination, the
/// template's failure queue, would receive them). A function
/// error (exception or unreadable response) retries the whole remaining batch the same way.
/// </summary>
internal sealed class StreamDeliverer : IAsyncDisposable
{
    public const int MaxBatchSize = 100;
    public const int MaxAttempts = 5;

    private readonly FunctionPool function;
    private readonly TextWriter log;
    private readonly TimeSpan firstBackoff;
    private readonly Action<IReadOnlyList<DynamoDbStreamRecord>>? onFailure;
    private readonly Channel<DynamoDbStreamRecord> queue = Channel.CreateUnbounded<DynamoDbStreamRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task loop;
    private readonly CancellationTokenSource stopping = new();
    private long pending;

    /// <param name="function">The function the records go to.</param>
    /// <param name="log">Where delivery lines go.</param>
    /// <param name="firstBackoff">The wait before the first retry (doubled for each next one).</param>
    /// <param name="onFailure">Receives the records given up on after <see cref="MaxAttempts"/> tries (the on-failure destination).</param>
    public StreamDeliverer(FunctionPool function, TextWriter log, TimeSpan? firstBackoff = null, Action<IReadOnlyList<DynamoDbStreamRecord>>? onFailure = null)
    {
        this.function = function;
        this.log = log;
        this.onFailure = onFailure;
        this.firstBackoff = firstBackoff ?? TimeSpan.FromMilliseconds(100);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Records queued or in delivery.</summary>
    public long Pending => Interlocked.Read(ref pending);

    public void Enqueue(DynamoDbStreamRecord record)
    {
        Interlocked.Increment(ref pending);
        if (!queue.Writer.TryWrite(record))
        {
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>Waits (bounded) until everything queued so far has been delivered or dropped.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Pending > 0 && clock.Elapsed < timeout)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        return Pending == 0;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to retry.
        }

        stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync(stopping.Token).ConfigureAwait(false))
        {
            var batch = new List<DynamoDbStreamRecord>();
            while (batch.Count < MaxBatchSize && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            await DeliverAsync(batch, stopping.Token).ConfigureAwait(false);
            Interlocked.Add(ref pending, -batch.Count);
        }
    }

    private async Task DeliverAsync(List<DynamoDbStreamRecord> batch, CancellationToken cancellationToken)
    {
        var remaining = batch;
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            var failedFrom = await InvokeAsync(remaining).ConfigureAwait(false);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (failedFrom < 0)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.Now:HH:mm:ss} stream -> {function.Name}: {remaining.Count} INSERT record(s) delivered, {ms:0.0} ms"));
                return;
            }

            remaining = remaining[failedFrom..];
            if (attempt >= MaxAttempts)
            {
                var ids = string.Join(", ", remaining.Select(r => r.Dynamodb?.SequenceNumber));
                log.WriteLine($"{DateTime.Now:HH:mm:ss} stream -> {function.Name}: gave up after {MaxAttempts} tries; dropped {remaining.Count} record(s), sequence numbers {ids}");
                onFailure?.Invoke(remaining);
                return;
            }

            var backoff = firstBackoff * Math.Pow(2, attempt - 1);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.Now:HH:mm:ss} stream -> {function.Name}: {remaining.Count} record(s) failed (try {attempt} of {MaxAttempts}); retrying in {backoff.TotalMilliseconds:0} ms"));
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Invokes the function once; returns -1 on success, else the index of the first record to redeliver.</summary>
    private async Task<int> InvokeAsync(List<DynamoDbStreamRecord> records)
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
                return -1; // An empty response is success, as in Lambda.
            }

            response = await JsonSerializer.DeserializeAsync(output, LambdaJsonContext.Default.StreamBatchResponse).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A function error means: retry the batch, as the event source mapping does.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.WriteLine($"{DateTime.Now:HH:mm:ss} stream -> {function.Name} failed: {e.GetType().Name}: {e.Message}");
            return 0;
        }

        if (response?.BatchItemFailures is not { Count: > 0 } failures)
        {
            return -1;
        }

        var first = int.MaxValue;
        foreach (var failure in failures)
        {
            var index = records.FindIndex(r => r.Dynamodb?.SequenceNumber == failure.ItemIdentifier);
            if (index < 0)
            {
                return 0; // An identifier that names no record fails the whole batch, as in Lambda.
            }

            first = Math.Min(first, index);
        }

        return first;
    }
}
