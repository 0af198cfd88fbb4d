using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Contracts;
using OtpService.Local.Lambda;
using OtpService.Local.Streams;
using Xunit;

namespace OtpService.Tests.Local;

public sealed class StreamDelivererTests
{
    private readonly StreamRecordFactory records = new("us-east-1", "otp_holder", ["email_id", "EXPIRATION_TIME"]);

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
        Assert.Equal("0", data.NewImage["ATTEMPTS"].L![0].N);
        Assert.False(data.NewImage["USED"].Bool);
        Assert.True(data.SizeBytes > 0);
        Assert.NotNull(data.ApproximateCreationDateTime);

        var json = JsonSerializer.Serialize(new DynamoDbStreamEvent { Records = [record] }, LambdaJsonContext.Default.DynamoDbStreamEvent);
        Assert.Contains("\"Records\":[{\"eventID\"", json, StringComparison.Ordinal);
        Assert.Contains("\"NewImage\":{", json, StringComparison.Ordinal);
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
    public async Task BatchItemFailure_RedeliversTheFailedRecordAndThoseAfterIt()
    {
        var calls = new List<List<string>>();
        var pool = Function(calls, (call, batch) => call == 1 ? Failures(batch[1]) : "{\"batchItemFailures\":[]}");
        await using var deliverer = new StreamDeliverer(pool, TextWriter.Null, TimeSpan.FromMilliseconds(1));
        var sent = Enumerable.Range(1, 3).Select(i => records.Insert(Item($"u{i}@b.com", i))).ToList();

        sent.ForEach(deliverer.Enqueue);
        Assert.True(await deliverer.DrainAsync(TimeSpan.FromSeconds(5)));

        var seq = sent.Select(r => r.Dynamodb!.SequenceNumber!).ToList();
        Assert.Equal(seq, calls[0]);
        Assert.Equal(seq[1..], calls[1]);
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task FunctionError_RetriesWithBackoff_ThenDropsAfterFiveTries()
    {
        var calls = new List<List<string>>();
        var pool = Function(calls, (_, _) => throw new InvalidOperationException("SES down"));
        using var log = new StringWriter();
        await using var deliverer = new StreamDeliverer(pool, log, TimeSpan.FromMilliseconds(1));

        deliverer.Enqueue(records.Insert(Item("a@b.com", 1)));
        Assert.True(await deliverer.DrainAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(StreamDeliverer.MaxAttempts, calls.Count);
        Assert.Contains("gave up", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyOrNullResponse_IsSuccess()
    {
        var calls = new List<List<string>>();
        var pool = Function(calls, (call, _) => call == 1 ? "" : "null");
        await using var deliverer = new StreamDeliverer(pool, TextWriter.Null, TimeSpan.FromMilliseconds(1));

        deliverer.Enqueue(records.Insert(Item("a@b.com", 1)));
        Assert.True(await deliverer.DrainAsync(TimeSpan.FromSeconds(5)));
        deliverer.Enqueue(records.Insert(Item("a@b.com", 2)));
        Assert.True(await deliverer.DrainAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(2, calls.Count);
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

    private static FunctionPool Function(List<List<string>> calls, Func<int, List<string>, string> answer) =>
        new(LambdaFunctions.SendOtpEmail, () => async input =>
        {
            var e = await JsonSerializer.DeserializeAsync(input, LambdaJsonContext.Default.DynamoDbStreamEvent);
            var batch = e!.Records!.Select(r => r.Dynamodb!.SequenceNumber!).ToList();
            lock (calls)
            {
                calls.Add(batch);
            }

            return new MemoryStream(Encoding.UTF8.GetBytes(answer(calls.Count, batch)));
        });
}
