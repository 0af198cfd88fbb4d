using OtpService.Tests.Integration;
using System.Collections.Concurrent;
using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Local.Lambda;
using OtpService.Local.Streams;
using OtpService.Local.Template;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// Issue 9's "nothing lost": every code GenerateOtp answered 202 for is mailed once, or counted as
/// undeliverable with its reason, or lands in the failure queue after bounded retries. Each path
/// runs the real GenerateOtp on dynalite, the table's INSERT records through the local runner's
/// event source mapping (<see cref="StreamDeliverer"/> with the template's mapping: its filter, batchItemFailures,
/// MaximumRetryAttempts, an on-failure destination), and the real SendOtpEmail against an SES API: aws-ses-v2-local to deliver, moto's
/// server to refuse an unverified sender (the emulator checks nothing), and a stand-in answering
/// SES's "Illegal address" for a recipient, which no real part here refuses.
/// </summary>
public class NothingLostTests : IAsyncLifetime
{
    /// <summary>The template's own event source mapping (filter, retries), as the runner uses it.</summary>
    private static readonly StreamMapping TemplateMapping = SamTemplate.Load(_ => null).StreamMapping();

    private EmulatorEndpoints _emulators = null!;
    private string _table = null!;
    private Dictionary<string, string> _env = null!;

    public async Task InitializeAsync()
    {
        _emulators = await EmulatorFixture.StartedAsync();
        _table = await _emulators.CreateTableAsync();
        _env = new Dictionary<string, string>(_emulators.LambdaEnvironment(_table)) { ["OTP_SIGNING_KEY"] = TestKeys.Development };
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Generates a code (expects 202), then delivers its INSERT record to SendOtpEmail as the event source mapping would.</summary>
    private async Task<Delivery> GenerateAndStreamAsync(string address, Dictionary<string, string> senderEnv)
    {
        var generated = await ApiResult.ReadAsync(new GenerateOtp.Function(new OtpServices(ServiceConfiguration.Read(_env.GetValueOrDefault), TimeProvider.System) { LogOutput = new StringWriter() })
            .FunctionHandler(ApiEvent.Get("/otp/generate").Query("email_address", address).ToStream()));
        Assert.Equal(202, generated.StatusCode);

        var logs = new StringWriter();
        var failureQueue = new ConcurrentQueue<DynamoDbStreamRecord>();
        var invocations = 0;
        var pool = new FunctionPool("SendOtpEmail", () =>
        {
            var function = new SendOtpEmail.Function(new OtpServices(ServiceConfiguration.Read(senderEnv.GetValueOrDefault), TimeProvider.System) { LogOutput = logs });
            return input =>
            {
                Interlocked.Increment(ref invocations);
                return function.FunctionHandler(input);
            };
        });
        await using (var mapping = new StreamDeliverer(pool, TemplateMapping, TextWriter.Null, TimeProvider.System, TimeSpan.FromMilliseconds(1), onFailure: records => records.ToList().ForEach(failureQueue.Enqueue)))
        {
            var (streamEvent, _) = await TableStream.InsertsAsync(_emulators, _table, address);
            foreach (var record in JsonSerializer.Deserialize(streamEvent, LambdaJsonContext.Default.DynamoDbStreamEvent)!.Records!)
            {
                mapping.Enqueue(record);
            }

            Assert.True(await mapping.DrainAsync(TimeSpan.FromSeconds(60)), "the event source mapping did not finish");
        }

        return new Delivery(logs.ToString(), [.. failureQueue], invocations);
    }

    private sealed record Delivery(string Logs, IReadOnlyList<DynamoDbStreamRecord> FailureQueue, int Invocations)
    {
        public Dictionary<string, double> Metrics => EmfDocument.MetricsIn(Logs);

        public IEnumerable<JsonElement> RecordLines => Logs.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !EmfDocument.IsEmf(l)).Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.TryGetProperty("sequenceNumber", out _));
    }

    [Fact]
    public async Task AnIssuedCode_IsMailedOnce()
    {
        const string address = "lost-mailed@example.com";

        var delivery = await GenerateAndStreamAsync(address, _env);

        Assert.Single(await _emulators.WaitForMailAsync(address));
        Assert.Empty(delivery.FailureQueue);
        Assert.Equal(1, delivery.Metrics[MetricNames.MailsSent]);
    }

    [Fact]
    public async Task AnIssuedCode_SesCannotDeliver_IsCountedAsUndeliverableWithItsReason_AndNotRetried()
    {
        // SES refusing a recipient our address rule accepts: no real part here does that (moto and
        // aws-ses-v2-local accept every address our rule accepts), so a socket answers as SES would.
        await using var ses = new RefusingAwsEndpoint(System.Net.HttpStatusCode.BadRequest, "BadRequestException", "Illegal address");
        var env = new Dictionary<string, string>(_env) { ["AWS_ENDPOINT_URL_SESV2"] = ses.Url.ToString(), ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "30" };

        var delivery = await GenerateAndStreamAsync($"refused-{Guid.NewGuid():N}@example.com", env);

        Assert.Equal((1, 1), (delivery.Invocations, ses.Requests));
        Assert.Empty(delivery.FailureQueue);
        Assert.Equal(1, delivery.Metrics[MetricNames.MailsUndeliverable]);
        var line = Assert.Single(delivery.RecordLines);
        Assert.Equal(("mail_undeliverable", "BadRequestException"), (line.GetProperty("outcome").GetString(), line.GetProperty("errorType").GetString()));
        Assert.Contains("SES refused the recipient address", line.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [MotoFact]
    public async Task AnIssuedCode_TheAccountCannotMail_FailsEveryTry_AndLandsInTheFailureQueue_Counted()
    {
        // The sender is not verified in SES (moto answers MessageRejected "Email address not verified").
        var moto = await MotoServer.SharedAsync();
        await moto.VerifyIdentityAsync($"warm-up-{Guid.NewGuid():N}@moto.test");
        var env = new Dictionary<string, string>(_env)
        {
            ["AWS_ENDPOINT_URL_SESV2"] = moto.Endpoint.ToString(),
            ["OTP_SENDER_ADDRESS"] = $"unverified-{Guid.NewGuid():N}@verified.test",
            // The template's default: a 5 s SES call timeout, so a slow test machine is not taken for a transient failure.
            ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "30",
        };
        const string address = "lost-config@example.com";

        var delivery = await GenerateAndStreamAsync(address, env);

        Assert.Equal(TemplateMapping.MaximumRetryAttempts + 1, delivery.Invocations);
        var queued = Assert.Single(delivery.FailureQueue);
        Assert.Equal(address, queued.Dynamodb!.Keys![Core.Aws.OtpTable.Address].S);
        Assert.Equal(TemplateMapping.MaximumRetryAttempts + 1, delivery.Metrics[MetricNames.MailFailuresConfiguration]);
        Assert.All(delivery.RecordLines, l => Assert.Equal(("ERROR", "MessageRejected"), (l.GetProperty("level").GetString(), l.GetProperty("errorType").GetString())));
        Assert.Contains("not verified", delivery.RecordLines.First().GetProperty("error").GetString(), StringComparison.Ordinal);
        // Nothing was mailed, and no claim is left: a replay from the queue, once the sender is verified, mails it.
        Assert.Empty(await _emulators.SentMailAsync(address));
        Assert.Equal(0, await TableStream.ClaimsHeldAsync(_emulators, _table, address));
    }
}
