using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Core.Aws;
using OtpService.Local.Lambda;
using OtpService.Local.Streams;
using OtpService.Local.Template;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>
/// The whole chain with a bad record in the batch: GenerateOtp writes real codes to dynalite, the
/// local runner's stream deliverer (the template's mapping: filter, batch size, ReportBatchItemFailures,
/// bisect, 5 retries, on-failure destination) hands SendOtpEmail a batch holding the good codes' records
/// and a bad one, SES (aws-ses-v2-local) receives the mail. The good codes are mailed once each; the bad
/// record is retried the mapping's number of times and then reaches the failure queue; nothing is
/// dropped on the way.
/// </summary>
public sealed class StreamIsolationEndToEndTests : IAsyncLifetime
{
    private static readonly StreamMapping TemplateMapping = SamTemplate.Load(_ => null).StreamMapping();
    private EmulatorEndpoints _emulators = null!;
    private string _table = null!;
    private OtpServices _services = null!;
    private readonly StringWriter _logs = new();

    public async Task InitializeAsync()
    {
        _emulators = await EmulatorFixture.StartedAsync();
        _table = await _emulators.CreateTableAsync();
        var env = new Dictionary<string, string>(_emulators.LambdaEnvironment(_table)) { ["OTP_SIGNING_KEY"] = TestKeys.Development };
        _services = new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = _logs };
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Issues a code through GenerateOtp and returns its INSERT record as the stream would carry it.</summary>
    private async Task<DynamoDbStreamRecord> GenerateAsync(StreamRecordFactory records, string address)
    {
        var answer = await ApiResult.ReadAsync(new GenerateOtp.Function(_services).FunctionHandler(ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{address}}"}""").ToStream()));
        Assert.Equal(202, answer.StatusCode);
        using var client = _emulators.CreateDynamoDbClient();
        var items = await client.QueryAsync(new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "email_id = :a",
            ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = address } },
        });
        return records.Insert(Assert.Single(items.Items, i => i.ContainsKey(OtpTable.Nonce)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABatchWithABadRecord_StillMailsEveryGoodCodeOnce_AndTheBadRecordReachesTheFailureQueue(bool badRecordHasASequenceNumber)
    {
        var records = new StreamRecordFactory("us-east-1", _table, [OtpTable.Address, OtpTable.ExpirationTime], TimeProvider.System);
        var id = Guid.NewGuid().ToString("N")[..8];
        var before = await GenerateAsync(records, $"before-{id}@example.com");
        var after = await GenerateAsync(records, $"after-{id}@example.com");
        // An INSERT of a code item (it passes the template's filter) whose key has lost EXPIRATION_TIME: its code cannot be found.
        var bad = await GenerateAsync(records, $"bad-{id}@example.com");
        bad.Dynamodb!.Keys!.Remove(OtpTable.ExpirationTime);
        if (!badRecordHasASequenceNumber)
        {
            bad.Dynamodb.SequenceNumber = null;
        }

        // The three must reach the function as one batch, as one stream poll would give them. The
        // deliverer starts reading as soon as a record is queued, so on an idle machine it could take
        // `before` alone: a primer record's invocation holds it busy (not counted, not mailed) while
        // the three are queued behind it.
        var primer = await GenerateAsync(records, $"primer-{id}@example.com");
        var primerEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releasePrimer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var primed = 0;
        var failureQueue = new List<DynamoDbStreamRecord>();
        var invocations = 0;
        var send = new SendOtpEmail.Function(_services);
        var pool = new FunctionPool(LambdaFunctions.SendOtpEmail, () => async input =>
        {
            if (Interlocked.Exchange(ref primed, 1) == 0)
            {
                primerEntered.SetResult();
                await releasePrimer.Task;
                return new MemoryStream("""{"batchItemFailures":[]}"""u8.ToArray());
            }

            Interlocked.Increment(ref invocations);
            return await send.FunctionHandler(input);
        });
        using var log = new StringWriter();
        await using (var deliverer = new StreamDeliverer(pool, TemplateMapping, log, TimeProvider.System, TimeSpan.FromMilliseconds(1), onFailure: r => failureQueue.AddRange(r)))
        {
            deliverer.Enqueue(primer);
            await primerEntered.Task.WaitAsync(Patience.Wait);
            deliverer.Enqueue(before);
            deliverer.Enqueue(bad);
            deliverer.Enqueue(after);
            releasePrimer.SetResult();
            Assert.True(await deliverer.DrainAsync(Patience.Wait), log.ToString());
        }

        Assert.Single(await _emulators.WaitForMailAsync($"before-{id}@example.com"));
        Assert.Single(await _emulators.WaitForMailAsync($"after-{id}@example.com"));
        Assert.Equal(1 + TemplateMapping.MaximumRetryAttempts, invocations);
        Assert.Contains(bad, failureQueue);
        // Named, it is retried alone with what follows it; unnamed, from the good record before it, which is done and sends nothing again.
        Assert.Equal(badRecordHasASequenceNumber ? [bad, after] : [before, bad, after], failureQueue);
        Assert.Equal(1 + TemplateMapping.MaximumRetryAttempts, Support.EmfDocument.MetricsIn(_logs.ToString())[OtpService.Core.Lambda.MetricNames.RecordsMalformed]);
    }
}
