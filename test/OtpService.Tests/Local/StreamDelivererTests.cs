using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Lambda;
using OtpService.Local.Lambda;
using OtpService.Local.Streams;
using OtpService.Local.Template;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Local;

public sealed class StreamDelivererTests
{
    private static readonly StreamMapping TemplateMapping = SamTemplate.Load(_ => null).StreamMapping();

    /// <summary>The template's mapping without its filter, so plain test items pass.</summary>
    private static readonly StreamMapping Unfiltered = TemplateMapping with { Filter = new EventFilter([]) };

    private readonly StreamRecordFactory records = new("us-east-1", "otp_holder", ["email_id", "EXPIRATION_TIME"], TimeProvider.System);

    [Fact]
    public void InsertRecord_HasTheDynamoDbStreamsShape()
    {
        var record = records.Insert(Item("a@b.com", 100));

        Assert.Equal("INSERT", record.EventName);
        Assert.Equal("1.1", record.EventVersion);
        Assert.Equal("aws:dynamodb", record.EventSource);
        Assert.Equal("us-east-1", record.AwsRegion);
        Assert.StartsWith("arn:aws:dynamodb:us-east-1:123456789012:table/otp_holder/stream/", record.EventSourceArn, StringComparison.Ordinal);
        Assert.Equal(32, record.EventId!.Length);
        var data = record.Dynamodb!;
        Assert.Equal("NEW_IMAGE", data.StreamViewType);
        Assert.Equal(2, data.Keys!.Count);
        Assert.Equal("a@b.com", data.Keys["email_id"].S);
        Assert.Equal("100", data.NewImage!["EXPIRATION_TIME"].N);
        Assert.Null(data.OldImage);
        Assert.Equal("0", data.NewImage["ATTEMPTS"].L![0].N);
        Assert.False(data.NewImage["USED"].Bool);
        Assert.True(data.SizeBytes > 0);
        Assert.NotNull(data.ApproximateCreationDateTime);

        var json = JsonSerializer.Serialize(new DynamoDbStreamEvent { Records = [record] }, LambdaJsonContext.Default.DynamoDbStreamEvent);
        Assert.Contains("\"Records\":[{\"eventID\"", json, StringComparison.Ordinal);
        Assert.Contains("\"NewImage\":{", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NEW_IMAGE", true, false)]
    [InlineData("OLD_IMAGE", false, true)]
    [InlineData("NEW_AND_OLD_IMAGES", true, true)]
    [InlineData("KEYS_ONLY", false, false)]
    public void Modify_CarriesTheImagesItsViewTypeIncludes(string viewType, bool hasNew, bool hasOld)
    {
        var factory = new StreamRecordFactory("us-east-1", "t", ["email_id", "EXPIRATION_TIME"], TimeProvider.System, viewType);
        var before = Item("a@b.com", 1);
        var after = new Dictionary<string, AttributeValue>(before) { ["USED"] = new AttributeValue { BOOL = true } };

        var record = factory.Change(before, after)!;

        Assert.Equal("MODIFY", record.EventName);
        Assert.Equal(viewType, record.Dynamodb!.StreamViewType);
        Assert.Equal(2, record.Dynamodb.Keys!.Count);
        Assert.Equal(hasNew, record.Dynamodb.NewImage is not null);
        Assert.Equal(hasOld, record.Dynamodb.OldImage is not null);
        if (hasOld)
        {
            Assert.False(record.Dynamodb.OldImage!["USED"].Bool);
        }
    }

    [Fact]
    public void Change_IsInsertModifyRemove_OrNothingWhenTheItemDidNotChange()
    {
        var item = Item("a@b.com", 1);
        var same = Item("a@b.com", 1);

        Assert.Equal("INSERT", records.Change(null, item)!.EventName);
        Assert.Equal("REMOVE", records.Change(item, null)!.EventName);
        Assert.Null(records.Change(item, same));
        Assert.Null(records.Change(null, null));
    }

    [Fact]
    public void SequenceNumbers_GrowMonotonically()
    {
        var first = records.Insert(Item("a@b.com", 1)).Dynamodb!.SequenceNumber!;
        var second = records.Insert(Item("a@b.com", 2)).Dynamodb!.SequenceNumber!;

        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.Equal(first.Length, second.Length);
    }

    [Fact]
    public async Task Batches_AreAtMostTheTemplatesBatchSize()
    {
        var calls = new List<List<string>>();
        var release = new TaskCompletionSource();
        var pool = Function(calls, (_, _) => "{}", release.Task);
        await using var deliverer = new StreamDeliverer(pool, Unfiltered, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1));

        // The first record holds the function; the other 25 queue up behind it.
        for (var i = 0; i < 26; i++)
        {
            deliverer.Enqueue(records.Insert(Item($"u{i}@b.com", i)));
        }

        release.SetResult();
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        Assert.Equal(26, calls.Sum(c => c.Count));
        Assert.All(calls, c => Assert.InRange(c.Count, 1, TemplateMapping.BatchSize));
        Assert.Contains(calls, c => c.Count == TemplateMapping.BatchSize);
    }

    [Fact]
    public async Task RecordsNoFilterMatches_AreNeverDelivered()
    {
        var calls = new List<List<string>>();
        var mapping = Unfiltered with { Filter = new EventFilter(["""{"dynamodb":{"NewImage":{"NONCE":{"B":[{"exists":true}]}}}}"""]) };
        await using var deliverer = new StreamDeliverer(Function(calls, (_, _) => "{}"), mapping, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1));
        var withNonce = new Dictionary<string, AttributeValue>(Item("a@b.com", 1)) { ["NONCE"] = new AttributeValue { B = new MemoryStream([1, 2]) } };

        deliverer.Enqueue(records.Insert(Item("a@b.com", 9999999999)));
        deliverer.Enqueue(records.Insert(withNonce));
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        Assert.Single(Assert.Single(calls));
        Assert.Equal(1, deliverer.FilteredOut);
    }

    [Fact]
    public async Task BatchItemFailure_RedeliversTheFailedRecordAndThoseAfterIt()
    {
        var calls = new List<List<string>>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        var pool = Function(calls, (call, batch) => call == 2 ? Failures(batch[1]) : "{\"batchItemFailures\":[]}", release.Task, entered);
        await using var deliverer = new StreamDeliverer(pool, Unfiltered, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1));
        var primer = records.Insert(Item("primer@b.com", 1));
        var sent = Enumerable.Range(1, 3).Select(i => records.Insert(Item($"u{i}@b.com", i))).ToList();

        // A primer's invocation holds the deliverer so the three queue up as one batch (else it may take the first alone).
        deliverer.Enqueue(primer);
        await entered.Task.WaitAsync(Patience.Wait);
        Enqueue(deliverer, sent);
        release.SetResult();
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        var seq = sent.Select(r => r.Dynamodb!.SequenceNumber!).ToList();
        Assert.Equal([primer.Dynamodb!.SequenceNumber!], calls[0]);
        Assert.Equal(seq, calls[1]);
        Assert.Equal(seq[1..], calls[2]);
        Assert.Equal(3, calls.Count);
    }

    [Fact]
    public async Task PersistentFailure_IsTriedOncePlusMaximumRetryAttempts_ThenLoggedAsTheOnFailureRecord()
    {
        var calls = new List<List<string>>();
        var pool = Function(calls, (_, batch) => Failures(batch[0]));
        using var log = new StringWriter();
        await using var deliverer = new StreamDeliverer(pool, Unfiltered, log, TimeProvider.System, TimeSpan.FromMilliseconds(1));
        var record = records.Insert(Item("a@b.com", 1));

        deliverer.Enqueue(record);
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        Assert.Equal(1 + TemplateMapping.MaximumRetryAttempts, calls.Count);
        Assert.Equal(1, deliverer.SentToOnFailure);
        var line = log.ToString().Split('\n').Single(l => l.Contains("GAVE UP", StringComparison.Ordinal));
        Assert.Contains("StreamFailureQueue", line, StringComparison.Ordinal);
        using var info = JsonDocument.Parse(line[line.IndexOf('{', StringComparison.Ordinal)..]);
        var batch = info.RootElement.GetProperty("DDBStreamBatchInfo");
        Assert.Equal(record.Dynamodb!.SequenceNumber, batch.GetProperty("startSequenceNumber").GetString());
        Assert.Equal(1, batch.GetProperty("batchSize").GetInt32());
        Assert.Equal("RetryAttemptsExhausted", info.RootElement.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.DoesNotContain("a@b.com", log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// An invocation that never returns (a function waiting on a dependency that hangs, up to its
    /// timeout; the gate that never opens stands in for it) does not hold the runner's stop: dispose
    /// waits <see cref="StreamDeliverer.InvocationWaitOnStop"/>, says it leaves the batch behind, and returns.
    /// </summary>
    [Fact]
    public async Task Dispose_WithAnInvocationThatNeverReturns_LeavesItBehind_SayingSo()
    {
        var entered = new TaskCompletionSource();
        var pool = Function([], (_, _) => "{}", gate: new TaskCompletionSource().Task, entered: entered);
        using var log = new StringWriter();
        var deliverer = new StreamDeliverer(pool, Unfiltered, TextWriter.Synchronized(log), TimeProvider.System, TimeSpan.FromMilliseconds(1));
        deliverer.Enqueue(records.Insert(Item("a@b.com", 1)));
        await entered.Task.WaitAsync(Patience.Wait);

        var disposing = deliverer.DisposeAsync().AsTask();

        Assert.Same(disposing, await Task.WhenAny(disposing, Task.Delay(Patience.Wait)));
        Assert.Contains("left behind at the stop (1 record(s) not delivered)", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionError_BisectsTheBatch_SoOnlyThePoisonRecordIsGivenUp()
    {
        var calls = new List<List<string>>();
        var sent = Enumerable.Range(1, 4).Select(i => records.Insert(Item($"u{i}@b.com", i))).ToList();
        var poison = sent[2].Dynamodb!.SequenceNumber!;
        var pool = Function(calls, (_, batch) => batch.Contains(poison) ? throw new InvalidOperationException("poison") : "{}");
        await using var deliverer = new StreamDeliverer(pool, Unfiltered, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1));

        Enqueue(deliverer, sent);
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        var delivered = calls.Where(c => !c.Contains(poison)).SelectMany(c => c).ToHashSet();
        Assert.Equal(sent.Select(r => r.Dynamodb!.SequenceNumber!).Where(s => s != poison).ToHashSet(), delivered);
        Assert.Equal(1, deliverer.SentToOnFailure);
    }

    [Fact]
    public async Task RecordOlderThanMaximumRecordAge_IsGivenUpWithoutAnInvocation()
    {
        var calls = new List<List<string>>();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var old = new StreamRecordFactory("us-east-1", "t", ["email_id", "EXPIRATION_TIME"], time).Insert(Item("a@b.com", 1));
        time.Advance(TimeSpan.FromSeconds(TemplateMapping.MaximumRecordAgeInSeconds + 1));
        using var log = new StringWriter();
        await using var deliverer = new StreamDeliverer(Function(calls, (_, _) => "{}"), Unfiltered, log, time, TimeSpan.FromMilliseconds(1));

        deliverer.Enqueue(old);
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        Assert.Empty(calls);
        Assert.Contains("RecordAgeExceeded", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyOrNullResponse_IsSuccess()
    {
        var calls = new List<List<string>>();
        var pool = Function(calls, (call, _) => call == 1 ? "" : "null");
        await using var deliverer = new StreamDeliverer(pool, Unfiltered, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1));

        deliverer.Enqueue(records.Insert(Item("a@b.com", 1)));
        Assert.True(await deliverer.DrainAsync(Patience.Wait));
        deliverer.Enqueue(records.Insert(Item("a@b.com", 2)));
        Assert.True(await deliverer.DrainAsync(Patience.Wait));

        Assert.Equal(2, calls.Count);
    }

    private static void Enqueue(StreamDeliverer deliverer, List<DynamoDbStreamRecord> sent)
    {
        foreach (var record in sent)
        {
            deliverer.Enqueue(record);
        }
    }

    private static Dictionary<string, AttributeValue> Item(string email, long expires) => new()
    {
        ["email_id"] = new AttributeValue { S = email },
        ["EXPIRATION_TIME"] = new AttributeValue { N = expires.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["ATTEMPTS"] = new AttributeValue { L = [new AttributeValue { N = "0" }] },
        ["USED"] = new AttributeValue { BOOL = false },
    };

    private static string Failures(string sequenceNumber) =>
        $$"""{"batchItemFailures":[{"itemIdentifier":"{{sequenceNumber}}"}]}""";

    private static FunctionPool Function(List<List<string>> calls, Func<int, List<string>, string> answer, Task? gate = null, TaskCompletionSource? entered = null) =>
        new(LambdaFunctions.SendOtpEmail, () => async input =>
        {
            var e = await JsonSerializer.DeserializeAsync(input, LambdaJsonContext.Default.DynamoDbStreamEvent);
            var batch = e!.Records!.Select(r => r.Dynamodb!.SequenceNumber!).ToList();
            entered?.TrySetResult();
            if (gate is not null)
            {
                await gate;
            }

            int call;
            lock (calls)
            {
                calls.Add(batch);
                call = calls.Count;
            }

            return new MemoryStream(Encoding.UTF8.GetBytes(answer(call, batch)));
        });
}
