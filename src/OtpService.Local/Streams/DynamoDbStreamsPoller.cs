using System.Collections.Concurrent;
using System.Globalization;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace OtpService.Local.Streams;

/// <summary>
/// Reads a table's stream through the DynamoDB Streams API the way Lambda's event source mapping
/// polls it: one reader per shard, started at the mapping's StartingPosition (LATEST: shards open
/// at start are read from the moment the runner starts; shards that appear later from their
/// beginning), a child shard only after its parent is read to its end, GetRecords every
/// <c>pollInterval</c> while a shard is idle and at once while it has records. Each record gets
/// the eventSourceARN Lambda adds and goes to the shard's <see cref="StreamDeliverer"/>, which
/// applies the template's filter, batching, retries and on-failure handling. An expired iterator
/// is renewed after the last record read; an unreachable endpoint is reported once, not per poll.
/// </summary>
internal sealed class DynamoDbStreamsPoller : IAsyncDisposable
{
    private readonly DynamoDbStreamsApi api;
    private readonly string streamArn;
    private readonly string startingPosition;
    private readonly Func<string, StreamDeliverer> delivererFor;
    private readonly TextWriter log;
    private readonly TimeProvider clock;
    private readonly TimeSpan pollInterval;
    private readonly int limit;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<string, Task> readers = new(StringComparer.Ordinal);
    private readonly List<StreamDeliverer> deliverers = [];
    private Task? discovery;
    private int failing;

    public DynamoDbStreamsPoller(
        DynamoDbStreamsApi api, string streamArn, string startingPosition, Func<string, StreamDeliverer> delivererFor, TextWriter log, TimeProvider clock, TimeSpan? pollInterval = null, int limit = 1000)
    {
        this.api = api;
        this.streamArn = streamArn;
        this.startingPosition = startingPosition;
        this.delivererFor = delivererFor;
        this.log = log;
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        this.pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(250);
        this.limit = limit;
    }

    /// <summary>Records read so far (before filtering).</summary>
    public long RecordsRead => Interlocked.Read(ref read);

    private long read;

    /// <summary>Finds the shards and positions a reader on each (so writes after this call are read), then polls in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var shards = await api.DescribeShardsAsync(streamArn, cancellationToken).ConfigureAwait(false);
        foreach (var shard in shards.Where(s => !s.IsClosed))
        {
            // At start, open shards begin at the mapping's StartingPosition; closed ones are history.
            var iterator = await api.GetShardIteratorAsync(streamArn, shard.ShardId, startingPosition, null, cancellationToken).ConfigureAwait(false);
            Track(shard, Task.CompletedTask, iterator);
        }

        foreach (var shard in shards.Where(s => s.IsClosed))
        {
            readers.TryAdd(shard.ShardId, Task.CompletedTask);
        }

        discovery = Task.Run(DiscoverAsync, CancellationToken.None);
    }

    /// <summary>Waits until every shard's deliverer has nothing pending, <paramref name="timeout"/> for all of them together.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var drained = await Task.WhenAll(Snapshot().Select(d => d.DrainAsync(timeout))).ConfigureAwait(false);
        return drained.All(d => d);
    }

    /// <summary>Records queued or in delivery over all shards.</summary>
    public long Pending => Snapshot().Sum(d => d.Pending);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(readers.Values.Append(discovery ?? Task.CompletedTask)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        // Together: each waits a bounded time for an invocation still running.
        await Task.WhenAll(Snapshot().Select(d => d.DisposeAsync().AsTask())).ConfigureAwait(false);

        stopping.Dispose();
    }

    private List<StreamDeliverer> Snapshot()
    {
        lock (deliverers)
        {
            return [.. deliverers];
        }
    }

    private void Track(ShardDescription shard, Task parent, string? iterator)
    {
        var deliverer = delivererFor(shard.ShardId);
        lock (deliverers)
        {
            deliverers.Add(deliverer);
        }

        readers[shard.ShardId] = Task.Run(() => ReadShardAsync(shard, parent, iterator, deliverer, stopping.Token), CancellationToken.None);
    }

    private async Task DiscoverAsync()
    {
        var token = stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                foreach (var shard in await api.DescribeShardsAsync(streamArn, token).ConfigureAwait(false))
                {
                    if (!readers.ContainsKey(shard.ShardId))
                    {
                        // A shard born after start (a split, a rollover): read from its beginning, after its parent.
                        var parent = shard.ParentShardId is { } p && readers.TryGetValue(p, out var parentTask) ? parentTask : Task.CompletedTask;
                        Track(shard, parent, null);
                    }
                }

                Recovered();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (DependencyException e)
            {
                Failed(e);
            }
        }
    }

    private async Task ReadShardAsync(ShardDescription shard, Task parent, string? iterator, StreamDeliverer deliverer, CancellationToken token)
    {
        try
        {
            await parent.WaitAsync(token).ConfigureAwait(false);
            string? lastSequence = null;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    iterator ??= lastSequence is null
                        ? await api.GetShardIteratorAsync(streamArn, shard.ShardId, "TRIM_HORIZON", null, token).ConfigureAwait(false)
                        : await api.GetShardIteratorAsync(streamArn, shard.ShardId, "AFTER_SEQUENCE_NUMBER", lastSequence, token).ConfigureAwait(false);
                    var (records, next) = await api.GetRecordsAsync(iterator, limit, token).ConfigureAwait(false);
                    Recovered();
                    foreach (var record in records)
                    {
                        record.EventSourceArn ??= streamArn;
                        lastSequence = record.Dynamodb?.SequenceNumber ?? lastSequence;
                        Interlocked.Increment(ref read);
                        deliverer.Enqueue(record);
                    }

                    if (next is null)
                    {
                        return; // Closed and read to its end: its children may start.
                    }

                    iterator = next;
                    if (records.Count == 0)
                    {
                        await Task.Delay(pollInterval, token).ConfigureAwait(false);
                    }
                }
                catch (DependencyException e) when (e.ErrorType is "ExpiredIteratorException")
                {
                    iterator = null; // Renewed after the last record read.
                }
                catch (DependencyException e) when (e.ErrorType is "ResourceNotFoundException" or "TrimmedDataAccessException")
                {
                    log.WriteLine($"{clock.GetLocalNow():HH:mm:ss} stream: shard {shard.ShardId} cannot be read any more ({e.ErrorType}); its reader stops.");
                    return;
                }
                catch (DependencyException e)
                {
                    Failed(e);
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // One line when reading starts failing and one when it works again: the runner's watch stops it if the endpoint is gone.
    private void Failed(DependencyException e)
    {
        if (Interlocked.Exchange(ref failing, 1) == 0)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.GetLocalNow():HH:mm:ss} stream: cannot read {streamArn} at {api.Endpoint}: {e.Message} (retrying every second)"));
        }
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref failing, 0) == 1)
        {
            log.WriteLine($"{clock.GetLocalNow():HH:mm:ss} stream: reading {streamArn} again.");
        }
    }
}
