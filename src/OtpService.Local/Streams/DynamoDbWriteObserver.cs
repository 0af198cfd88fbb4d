using System.Net;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OtpService.Core.Lambda;
using OtpService.Local.Emulators;

namespace OtpService.Local.Streams;

/// <summary>
/// The stream for an emulator that has none (dynalite): a loopback HTTP proxy in front of it that
/// every DynamoDB client of the runner uses (the functions, <c>invoke</c>, the AWS CLI pointed at
/// the advertised port). It forwards every request unchanged; for a successful write to the
/// watched table (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) it reads
/// each touched item before and after the write, under a lock per key so concurrent writes to one
/// key cannot interleave, and emits the record DynamoDB Streams would: INSERT, MODIFY or REMOVE,
/// none when the write changed nothing. Its cost follows the writes: an idle runner does nothing,
/// whatever the table holds. Writes that bypass the proxy (straight to the emulator's own port)
/// are not seen.
/// </summary>
internal sealed class DynamoDbWriteObserver : IAsyncDisposable
{
    private const string TargetPrefix = "DynamoDB_20120810.";
    private static readonly HashSet<string> WriteOperations = new(StringComparer.Ordinal)
    {
        "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
    };

    private readonly string tableName;
    private readonly IReadOnlyList<string> keyAttributes;
    private readonly StreamRecordFactory records;
    private readonly Action<DynamoDbStreamRecord> emit;
    private readonly LoopbackForwarder forward;
    private readonly AmazonDynamoDBClient reader;
    private readonly SemaphoreSlim[] stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly WebApplication app;
    private long emitted;

    private DynamoDbWriteObserver(int port, Uri upstream, string tableName, IReadOnlyList<string> keyAttributes, StreamRecordFactory records, Action<DynamoDbStreamRecord> emit)
    {
        this.tableName = tableName;
        this.keyAttributes = keyAttributes;
        this.records = records;
        this.emit = emit;
        forward = new LoopbackForwarder(upstream);
        reader = Emulators.LocalTable.CreateClient(upstream);
        var builder = LocalWebHost.CreateBuilder(new WebApplicationOptions { ApplicationName = "OtpService.Local.DynamoDbProxy" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        app = builder.Build();
        app.Run(HandleAsync);
    }

    /// <summary>The port clients use (127.0.0.1): the one asked for, or the one the OS picked for 0; known once started.</summary>
    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>Records emitted so far (for tests and the benchmark).</summary>
    public long RecordsEmitted => Interlocked.Read(ref emitted);

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0: a port the OS picks, then in <see cref="Port"/>), forwarding to <paramref name="upstream"/>.</summary>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<DynamoDbWriteObserver> StartAsync(
        int port, Uri upstream, string tableName, IReadOnlyList<string> keyAttributes, StreamRecordFactory records, Action<DynamoDbStreamRecord> emit, CancellationToken cancellationToken)
    {
        var observer = new DynamoDbWriteObserver(port, upstream, tableName, keyAttributes, records, emit);
        try
        {
            await observer.app.StartAsync(cancellationToken).ConfigureAwait(false);

            // Kestrel reports the address it bound, with the port the OS picked for 0.
            var bound = observer.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            observer.Port = new Uri(bound).Port;
            return observer;
        }
        catch
        {
            await observer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await LocalWebHost.StopAndDisposeAsync(app, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        forward.Dispose();
        reader.Dispose();
        foreach (var stripe in stripes)
        {
            stripe.Dispose();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var body = await LoopbackForwarder.ReadBodyAsync(context, cancellationToken).ConfigureAwait(false);
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : "";

        var keys = WriteOperations.Contains(operation) ? TouchedKeys(operation, body) : [];
        if (keys.Count == 0)
        {
            await LoopbackForwarder.WriteAsync(context, await forward.ForwardAsync(context, body, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return;
        }

        // One lock per stripe of keys, taken in stripe order so two batch writes cannot deadlock.
        var held = keys.Select(k => Stripe(k.Text)).Distinct().Order().ToList();
        foreach (var index in held)
        {
            await stripes[index].WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var before = new List<Dictionary<string, AttributeValue>?>();
            foreach (var key in keys)
            {
                before.Add(await ReadAsync(key.Key, cancellationToken).ConfigureAwait(false));
            }

            var answer = await forward.ForwardAsync(context, body, cancellationToken).ConfigureAwait(false);

            // Refused or failed: nothing changed, no record. Otherwise the records are out before
            // the writer hears of its success, as DynamoDB has the record once the write returns.
            if (answer?.Status == StatusCodes.Status200OK)
            {
                for (var i = 0; i < keys.Count; i++)
                {
                    var after = await ReadAsync(keys[i].Key, CancellationToken.None).ConfigureAwait(false);
                    if (records.Change(before[i], after) is { } record)
                    {
                        Interlocked.Increment(ref emitted);
                        emit(record);
                    }
                }
            }

            await LoopbackForwarder.WriteAsync(context, answer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var index in held)
            {
                stripes[index].Release();
            }
        }
    }

    private int Stripe(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)stripes.Length);

    private async Task<Dictionary<string, AttributeValue>?> ReadAsync(Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var response = await reader.GetItemAsync(new GetItemRequest { TableName = tableName, Key = key, ConsistentRead = true }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>The keys of the watched table that a write request names (its text form for locking, and the key for GetItem).</summary>
    private List<(string Text, Dictionary<string, AttributeValue> Key)> TouchedKeys(string operation, byte[] body)
    {
        var found = new List<(string, Dictionary<string, AttributeValue>)>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return found; // The emulator will refuse it; nothing to observe.
        }

        using (doc)
        {
            var root = doc.RootElement;
            switch (operation)
            {
                case "PutItem" when Table(root) == tableName:
                    Add(found, root, "Item");
                    break;
                case "UpdateItem" or "DeleteItem" when Table(root) == tableName:
                    Add(found, root, "Key");
                    break;
                case "BatchWriteItem" when root.TryGetProperty("RequestItems", out var items) && items.TryGetProperty(tableName, out var requests):
                    foreach (var request in requests.EnumerateArray())
                    {
                        if (request.TryGetProperty("PutRequest", out var put))
                        {
                            Add(found, put, "Item");
                        }
                        else if (request.TryGetProperty("DeleteRequest", out var delete))
                        {
                            Add(found, delete, "Key");
                        }
                    }

                    break;
                case "TransactWriteItems" when root.TryGetProperty("TransactItems", out var transact):
                    foreach (var entry in transact.EnumerateArray())
                    {
                        foreach (var (kind, property) in new[] { ("Put", "Item"), ("Update", "Key"), ("Delete", "Key") })
                        {
                            if (entry.TryGetProperty(kind, out var write) && Table(write) == tableName)
                            {
                                Add(found, write, property);
                            }
                        }
                    }

                    break;
            }
        }

        // One read per key even when a batch names it twice.
        return found.GroupBy(k => k.Item1, StringComparer.Ordinal).Select(g => g.First()).ToList();
    }

    private static string? Table(JsonElement request) =>
        request.TryGetProperty("TableName", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;

    private void Add(List<(string, Dictionary<string, AttributeValue>)> found, JsonElement container, string property)
    {
        if (!container.TryGetProperty(property, out var item) || item.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        var text = new List<string>();
        foreach (var name in keyAttributes)
        {
            if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
            {
                return; // Not a whole key: the emulator refuses the request.
            }

            if (value.TryGetProperty("S", out var s))
            {
                key[name] = new AttributeValue { S = s.GetString() };
            }
            else if (value.TryGetProperty("N", out var n))
            {
                key[name] = new AttributeValue { N = n.GetString() };
            }
            else if (value.TryGetProperty("B", out var b))
            {
                key[name] = new AttributeValue { B = new MemoryStream(b.GetBytesFromBase64()) };
            }
            else
            {
                return;
            }

            text.Add(value.GetRawText());
        }

        found.Add((string.Join('\u001E', text), key));
    }
}
