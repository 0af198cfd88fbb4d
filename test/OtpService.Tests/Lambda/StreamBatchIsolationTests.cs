using System.Text.Json;
using System.Text.Json.Nodes;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Issue 19 item 3 and issue 18: one record of a wrong shape is one record. A batch holds a good
/// code's record and one record damaged in a shape a real event could take; the good code is
/// mailed every time, and the damaged record is mailed when its keys can still be read, or else
/// logged, counted and failed (named, or failed at the record before it, or the whole batch), so
/// Lambda retries it and its failure queue keeps it: nothing generate answered 202 for is dropped.
/// </summary>
public class StreamBatchIsolationTests
{
    private readonly RuleHarness _h = new(new OtpSettings { ResendCooldownSeconds = 0 });
    private readonly StringWriter _logs = new();
    private readonly SendOtpEmail.Function _send;

    public StreamBatchIsolationTests() => _send = new SendOtpEmail.Function(_h.Mailer, new InvocationLog(_logs, "SendOtpEmail", TimeProvider.System));

    /// <summary>What becomes of the damaged record.</summary>
    public enum Expected
    {
        /// <summary>Its keys are readable: it is mailed like any other.</summary>
        Mailed,

        /// <summary>Logged, counted and named in batchItemFailures by its own sequence number.</summary>
        FailedByItsSequenceNumber,

        /// <summary>It has no readable sequence number: the batch is failed at the record before it.</summary>
        FailedAtTheRecordBefore,
    }

    /// <summary>Each damage, and what it makes of the record (the good record "100" comes first, the damaged one "200" second).</summary>
    public static TheoryData<string, Expected> Damages() => new()
    {
        { "null", Expected.FailedAtTheRecordBefore },
        { "a number", Expected.FailedAtTheRecordBefore },
        { "a string", Expected.FailedAtTheRecordBefore },
        { "an array", Expected.FailedAtTheRecordBefore },
        { "dynamodb is a string", Expected.FailedAtTheRecordBefore },
        { "no SequenceNumber, keys readable", Expected.Mailed },
        { "SequenceNumber is a number, keys readable", Expected.Mailed },
        { "NONCE.B is a number", Expected.Mailed },
        { "a NewImage attribute of another type", Expected.Mailed },
        { "NewImage is a string", Expected.Mailed },
        { "ApproximateCreationDateTime and SizeBytes are strings", Expected.Mailed },
        { "Keys without EXPIRATION_TIME", Expected.FailedByItsSequenceNumber },
        { "EXPIRATION_TIME.N is a number", Expected.FailedByItsSequenceNumber },
        { "EXPIRATION_TIME.N is not a whole number", Expected.FailedByItsSequenceNumber },
        { "email_id.S is empty", Expected.FailedByItsSequenceNumber },
        { "Keys is an array", Expected.FailedByItsSequenceNumber },
        { "eventName is a number", Expected.FailedByItsSequenceNumber },
        { "no eventName", Expected.FailedByItsSequenceNumber },
    };

    private static JsonNode? Damage(string damage, string record)
    {
        var node = JsonNode.Parse(record)!.AsObject();
        var data = node["dynamodb"]!.AsObject();
        switch (damage)
        {
            case "null":
                return null;
            case "a number":
                return JsonValue.Create(42);
            case "a string":
                return JsonValue.Create("INSERT");
            case "an array":
                return new JsonArray(JsonNode.Parse(record));
            case "dynamodb is a string":
                node["dynamodb"] = "{}";
                break;
            case "no SequenceNumber, keys readable":
                data.Remove("SequenceNumber");
                break;
            case "SequenceNumber is a number, keys readable":
                data["SequenceNumber"] = 200;
                break;
            case "NONCE.B is a number":
                data["NewImage"]!["NONCE"] = new JsonObject { ["B"] = 12345 };
                break;
            case "a NewImage attribute of another type":
                data["NewImage"]!["CREATED_AT"] = new JsonObject { ["N"] = 1_800_000_000 };
                break;
            case "NewImage is a string":
                data["NewImage"] = "NONCE";
                break;
            case "ApproximateCreationDateTime and SizeBytes are strings":
                data["ApproximateCreationDateTime"] = "yesterday";
                data["SizeBytes"] = "120";
                break;
            case "Keys without EXPIRATION_TIME":
                data["Keys"]!.AsObject().Remove("EXPIRATION_TIME");
                break;
            case "EXPIRATION_TIME.N is a number":
                data["Keys"]!["EXPIRATION_TIME"] = new JsonObject { ["N"] = 1_800_000_120 };
                break;
            case "EXPIRATION_TIME.N is not a whole number":
                data["Keys"]!["EXPIRATION_TIME"] = new JsonObject { ["N"] = "1.8e9" };
                break;
            case "email_id.S is empty":
                data["Keys"]!["email_id"] = new JsonObject { ["S"] = "" };
                break;
            case "Keys is an array":
                data["Keys"] = new JsonArray();
                break;
            case "eventName is a number":
                node["eventName"] = 1;
                break;
            case "no eventName":
                node.Remove("eventName");
                break;
            default:
                throw new ArgumentException(damage, nameof(damage));
        }

        return node;
    }

    private async Task<StoredCode> IssueAsync(string address)
    {
        await _h.Issuer.IssueAsync(address, RuleHarness.Client, default);
        return _h.Store.Codes(address)[0];
    }

    private async Task<List<string>> HandleAsync(params JsonNode?[] records)
    {
        var batch = new JsonObject { ["Records"] = new JsonArray(records) };
        var output = await _send.FunctionHandler(ApiEvent.Raw(batch.ToJsonString()));
        return JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier).ToList();
    }

    private static JsonNode Record(StoredCode code, string sequence) => JsonNode.Parse(StreamBatchHandlerTests.Insert(code, sequence))!;

    private Dictionary<string, double> Metrics() => EmfDocument.MetricsIn(_logs.ToString());

    private JsonElement MalformedLine() => JsonDocument.Parse(Assert.Single(
        _logs.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("\"outcome\":\"record_malformed\"", StringComparison.Ordinal))).RootElement;

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task ADamagedRecord_AfterAGoodOne_NeverCostsTheGoodCode_AndIsMailedOrFailed(string damage, Expected expected)
    {
        var good = await IssueAsync("good@example.com");
        var other = await IssueAsync("other@example.com");

        var failures = await HandleAsync(Record(good, "100"), Damage(damage, StreamBatchHandlerTests.Insert(other, "200")));

        Assert.Contains("good@example.com", _h.Mail.Sent.Select(m => m.To));
        switch (expected)
        {
            case Expected.Mailed:
                Assert.Empty(failures);
                Assert.Equal(["good@example.com", "other@example.com"], _h.Mail.Sent.Select(m => m.To).Order());
                Assert.False(Metrics().ContainsKey(MetricNames.RecordsMalformed));
                break;
            case Expected.FailedByItsSequenceNumber:
                Assert.Equal(["200"], failures);
                Assert.Equal(1, Metrics()[MetricNames.RecordsMalformed]);
                Assert.Equal(("ERROR", 1, "200"), (MalformedLine().GetProperty("level").GetString(), MalformedLine().GetProperty("recordIndex").GetInt32(), MalformedLine().GetProperty("sequenceNumber").GetString()));
                break;
            case Expected.FailedAtTheRecordBefore:
                // Lambda retries from "100": the good code was mailed and its redelivery sends nothing; the damaged record is retried, then kept by the failure queue.
                Assert.Equal(["100"], failures);
                Assert.Equal(1, Metrics()[MetricNames.RecordsMalformed]);
                Assert.Equal(1, MalformedLine().GetProperty("recordIndex").GetInt32());
                Assert.False(MalformedLine().TryGetProperty("sequenceNumber", out _));
                Assert.Single(await HandleAsync(Record(good, "100"), Damage(damage, StreamBatchHandlerTests.Insert(other, "200"))));
                Assert.Single(_h.Mail.Sent, m => m.To == "good@example.com");
                break;
        }

        Assert.DoesNotContain("other@example.com", _logs.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task ADamagedRecord_BeforeAGoodOne_NeverCostsTheGoodCode(string damage, Expected expected)
    {
        var good = await IssueAsync("good@example.com");
        var other = await IssueAsync("other@example.com");

        var failures = await HandleAsync(Damage(damage, StreamBatchHandlerTests.Insert(other, "100")), Record(good, "200"));

        Assert.Contains("good@example.com", _h.Mail.Sent.Select(m => m.To));
        // With nothing before it, an unnamed record fails the whole batch (an empty identifier, AWS: "a complete failure").
        Assert.Equal(expected switch { Expected.Mailed => [], Expected.FailedByItsSequenceNumber => ["100"], _ => [""] }, failures);
    }

    [Fact]
    public async Task TheIssuesExample_ANullRecord_IsOneMalformedRecord_LoggedAndCounted_NeverAThrownBatch()
    {
        var output = await _send.FunctionHandler(ApiEvent.Raw("""{"Records":[null]}"""));

        Assert.Equal([""], JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier));
        Assert.Equal(1, Metrics()[MetricNames.RecordsMalformed]);
        Assert.Equal("the record is null", MalformedLine().GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("""{"Records":{"eventName":"INSERT"}}""", "Records is an object, not an array")]
    [InlineData("""{"Records":"[]"}""", "Records is a string, not an array")]
    [InlineData("""{"Records":null}""", "Records is null, not an array")]
    [InlineData("""{"records":[]}""", "the event has no Records")]
    [InlineData("""[{"Records":[]}]""", "the event is an array, not an object")]
    [InlineData("""{"Records": 42""", "the event is not JSON")]
    public async Task AnEventWhoseRecordsCannotBeRead_FailsTheWholeBatch_SoNothingInItIsDropped(string input, string problem)
    {
        var output = await _send.FunctionHandler(ApiEvent.Raw(input));

        Assert.Equal([""], JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier));
        Assert.Equal(1, Metrics()[MetricNames.EventsMalformed]);
        var line = JsonDocument.Parse(Assert.Single(_logs.ToString().Split('\n'), l => l.Contains("\"outcome\":\"event_malformed\"", StringComparison.Ordinal))).RootElement;
        Assert.Equal("ERROR", line.GetProperty("level").GetString());
        Assert.StartsWith(problem, line.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyBatch_IsDone()
    {
        Assert.Empty(await HandleAsync());
        Assert.Empty(Metrics());
    }

    [Fact]
    public async Task AwsOwnSampleRecords_BesideACode_AreIgnored_AndTheCodeIsMailed()
    {
        // AWS's event with every attribute type (B, BS, L, M, BOOL, NULL, NS, SS) and SAM's INSERT/MODIFY/REMOVE, none a code item (no NONCE).
        var good = await IssueAsync("good@example.com");
        var records = new List<JsonNode?>();
        foreach (var file in (string[])["dynamodb-streams-lambda-dotnet-event.json", "dynamodb-streams-sam-generate-event.json"])
        {
            var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "aws-events", file));
            records.AddRange(JsonNode.Parse(text)!["Records"]!.AsArray().Select(r => r!.DeepClone()));
        }

        var sample = JsonNode.Parse(await File.ReadAllTextAsync(OtpService.Tests.Deploy.RepositoryFiles.PathOf("events", "otp-inserted.json")))!["Records"]![0]!;
        var code = sample.DeepClone().AsObject();
        code["dynamodb"]!["Keys"] = JsonNode.Parse(StreamBatchHandlerTests.Insert(good, "1"))!["dynamodb"]!["Keys"]!.DeepClone();
        records.Add(code);

        Assert.Empty(await HandleAsync([.. records]));
        Assert.Equal(["good@example.com"], _h.Mail.Sent.Select(m => m.To));
    }
}
