using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

public class StreamBatchHandlerTests
{
    private readonly RuleHarness _h = new(new OtpSettings { ResendCooldownSeconds = 0 });
    private readonly StringWriter _logs = new();
    private readonly SendOtpEmail.Function _send;

    public StreamBatchHandlerTests() => _send = new SendOtpEmail.Function(_h.Mailer, new InvocationLog(_logs, "SendOtpEmail", TimeProvider.System));

    private async Task<StoredCode> IssueAsync(string address)
    {
        await _h.Issuer.IssueAsync(address, RuleHarness.Client, default);
        return _h.Store.Codes(address)[0];
    }

    internal static string Insert(StoredCode code, string sequence) => $$$"""
        {"eventID":"e{{{sequence}}}","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",
         "dynamodb":{"Keys":{"email_id":{"S":"{{{code.Address}}}"},"EXPIRATION_TIME":{"N":"{{{code.ExpiresAt}}}"}},
           "NewImage":{"email_id":{"S":"{{{code.Address}}}"},"EXPIRATION_TIME":{"N":"{{{code.ExpiresAt}}}"},"NONCE":{"B":"{{{Convert.ToBase64String(code.Nonce)}}}"}},
           "SequenceNumber":"{{{sequence}}}","SizeBytes":120,"StreamViewType":"NEW_IMAGE"}}
        """;

    private Task<List<string>> Handle(params string[] records) => Handle(_send, records);

    internal static async Task<List<string>> Handle(SendOtpEmail.Function send, params string[] records)
    {
        var output = await send.FunctionHandler(ApiEvent.Raw($$"""{"Records":[{{string.Join(",", records)}}]}"""));
        var response = JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!;
        return response.BatchItemFailures.Select(f => f.ItemIdentifier).ToList();
    }

    private Dictionary<string, double> Metrics() => EmfDocument.MetricsIn(_logs.ToString());

    [Fact]
    public async Task Handle_MailsEveryInsertOfTheBatch_AndCountsThem()
    {
        var a = await IssueAsync("a@example.com");
        var b = await IssueAsync("b@example.com");

        var failures = await Handle(Insert(a, "100"), Insert(b, "200"));

        Assert.Empty(failures);
        Assert.Equal(["a@example.com", "b@example.com"], _h.Mail.Sent.Select(m => m.To).Order());
        Assert.Equal(2, Metrics()[MetricNames.MailsSent]);
    }

    [Fact]
    public async Task TheInvocationDeadline_RunsOnTheFunctionsOneClock()
    {
        // The first mail takes the whole budget on the rules' (fake) clock: the second record must not start.
        var a = await IssueAsync("a@example.com");
        var b = await IssueAsync("b@example.com");
        _h.Mail.OnSend = _ => _h.Clock.Advance(InvocationBudget.For(_h.Settings).Budget);

        var failures = await Handle(Insert(a, "100"), Insert(b, "200"));

        Assert.Equal(["a@example.com"], _h.Mail.Sent.Select(m => m.To));
        Assert.Equal(["200"], failures);
        Assert.Equal(1, Metrics()[MetricNames.RecordsNotStarted]);
    }

    [Fact]
    public async Task Handle_IgnoresModifyRemoveAndTheAddressRecord_AndCountsNothing()
    {
        var a = await IssueAsync("a@example.com");
        var modify = Insert(a, "1").Replace("\"INSERT\"", "\"MODIFY\"", StringComparison.Ordinal);
        var addressRecord = Insert(a, "2").Replace("\"NONCE\":{\"B\"", "\"VERSION\":{\"N\"", StringComparison.Ordinal)
            .Replace(Convert.ToBase64String(a.Nonce), "1", StringComparison.Ordinal);

        var failures = await Handle(modify, addressRecord);

        Assert.Empty(failures);
        Assert.Empty(_h.Mail.Sent);
        Assert.Empty(Metrics());
    }

    [Theory]
    [InlineData(FailureKind.Transient, true, MetricNames.MailFailuresTransient)]
    [InlineData(FailureKind.Configuration, true, MetricNames.MailFailuresConfiguration)]
    [InlineData(FailureKind.Undeliverable, false, MetricNames.MailsUndeliverable)]
    public async Task Handle_ActsOnTheFailureClass_RetryingOrDroppingTheRecord_AndCountsIt(FailureKind failureClass, bool retried, string metric)
    {
        var a = await IssueAsync("a@example.com");
        _h.Mail.FailWith = Failures.Mail("SES v2 SendEmail failed: HTTP 400 SomeError.", failureClass, "SomeError");

        var failures = await Handle(Insert(a, "300"));

        Assert.Equal(retried ? ["300"] : [], failures);
        Assert.Equal(1, Metrics()[metric]);
        var line = _logs.ToString().Split('\n').Single(l => l.Contains("\"sequenceNumber\":\"300\"", StringComparison.Ordinal));
        Assert.Contains("\"errorType\":\"SomeError\"", line, StringComparison.Ordinal);
        Assert.Contains(failureClass == FailureKind.Transient ? "\"level\":\"WARN\"" : "\"level\":\"ERROR\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_SesRefusingASuppressedRecipient_DropsTheRecordUnretried_AndCountsItUndeliverable()
    {
        // The refusal as the SES adapter reads it off the wire (AwsFailureClassifier), not a hand-made kind.
        var a = await IssueAsync("a@example.com");
        using var answer = new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest);
        answer.Headers.Add("x-amzn-ErrorType", "MessageRejected");
        _h.Mail.FailWith = OtpService.Core.Aws.AwsFailureClassifier.FromAnswer(Dependency.SES, "SES v2 SendEmail", answer, """{"message":"Address blacklisted."}"""u8);

        var failures = await Handle(Insert(a, "300"));

        Assert.Empty(failures);
        Assert.Equal(1, Metrics()[MetricNames.MailsUndeliverable]);
        var line = _logs.ToString().Split('\n').Single(l => l.Contains("\"sequenceNumber\":\"300\"", StringComparison.Ordinal));
        Assert.Contains("\"outcome\":\"mail_undeliverable\"", line, StringComparison.Ordinal);
        Assert.Contains("suppression list", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_ARetriedRecord_IsMailedOnceWhenSesRecovers()
    {
        var a = await IssueAsync("a@example.com");
        _h.Mail.FailWith = Failures.Mail("Throttling", FailureKind.Transient, "TooManyRequestsException");

        Assert.Equal(["300"], await Handle(Insert(a, "300")));
        _h.Mail.FailWith = null;
        Assert.Empty(await Handle(Insert(a, "300")));
        Assert.Empty(await Handle(Insert(a, "300")));

        Assert.Single(_h.Mail.Sent);
    }

    [Fact]
    public async Task Handle_FailsMalformedRecords_SoTheyAreRetriedAndKept_AndCountsThem()
    {
        // An INSERT with a NONCE (it passed the filter) whose key lacks EXPIRATION_TIME: possibly a code generate answered 202 for.
        var malformed = """{"eventID":"x","eventName":"INSERT","dynamodb":{"Keys":{"email_id":{"S":"a@example.com"}},"NewImage":{"NONCE":{"B":"AAAA"}},"SequenceNumber":"9"}}""";

        var failures = await Handle(malformed);

        Assert.Equal(["9"], failures);
        Assert.Contains("\"outcome\":\"record_malformed\"", _logs.ToString(), StringComparison.Ordinal);
        Assert.Contains("dynamodb.Keys.EXPIRATION_TIME is missing", _logs.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, Metrics()[MetricNames.RecordsMalformed]);
    }

    [Fact]
    public async Task Handle_WhenStorageIsDown_RetriesTheRecord()
    {
        var a = await IssueAsync("a@example.com");
        _h.Store.Unavailable = true;

        Assert.Equal(["500"], await Handle(Insert(a, "500")));
        Assert.Equal(1, Metrics()[MetricNames.StoreUnavailable]);
    }

    [Fact]
    public async Task Handle_WhenTheTableAccessIsMisconfigured_FailsTheRecord_AndCountsAConfigurationFailure()
    {
        var a = await IssueAsync("a@example.com");
        _h.Store.FailEveryCallWith = Failures.StoreConfiguration("DynamoDB was refused: HTTP 400 AccessDeniedException.", "AccessDeniedException");

        Assert.Equal(["510"], await Handle(Insert(a, "510")));

        Assert.Equal(1, Metrics()[MetricNames.MailFailuresConfiguration]);
        Assert.Contains("\"errorType\":\"AccessDeniedException\"", _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhileAnotherInvocationHoldsTheClaim_RetriesTheRecord()
    {
        var a = await IssueAsync("a@example.com");
        await _h.Store.TryClaimMailingAsync(a.Address, a.ExpiresAt, _h.Clock.GetUtcNow().ToUnixTimeSeconds(), _h.Mailer.ClaimLeaseSeconds, IdempotencyToken.New(), default);

        Assert.Equal(["520"], await Handle(Insert(a, "520")));
        Assert.Equal(1, Metrics()[MetricNames.MailClaimsHeld]);
    }

    [Fact]
    public async Task Handle_StartsNoRecordTheBudgetCannotCover_AndReportsEveryUnstartedOne()
    {
        // A 10 s function has a 9 s budget and needs 8.3 s of it to start a record; each send here
        // takes 1 s on the function's clock, so after the first record too little is left to start another.
        var codes = new List<StoredCode>();
        foreach (var i in Enumerable.Range(0, 4))
        {
            codes.Add(await IssueAsync($"u{i}@example.com"));
        }

        _h.Mail.OnSend = _ => _h.Clock.Advance(TimeSpan.FromSeconds(1));
        var records = codes.Select((c, i) => Insert(c, (700 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();

        var failures = await Handle(records);

        Assert.Equal(["701", "702", "703"], failures);
        Assert.Equal(["u0@example.com"], _h.Mail.Sent.Select(m => m.To));
        Assert.Equal(3, Metrics()[MetricNames.RecordsNotStarted]);

        // Unstarted records hold no claim: Lambda's retry mails each of them, once.
        _h.Mail.OnSend = null;
        Assert.Empty(await Handle(records));
        Assert.Equal(["u0@example.com", "u1@example.com", "u2@example.com", "u3@example.com"], _h.Mail.Sent.Select(m => m.To).Order());
    }

    [Fact]
    public async Task Handle_AnUnparsableEvent_IsLoggedAndFailsTheWholeBatch()
    {
        var output = await _send.FunctionHandler(ApiEvent.Raw("{\"Records\": 42"));

        // An empty identifier: Lambda treats the batch as a complete failure, retries it, then the failure queue keeps it.
        Assert.Equal([""], JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Select(f => f.ItemIdentifier));
        Assert.Contains("event_malformed", _logs.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, Metrics()[MetricNames.EventsMalformed]);
    }

    [Fact]
    public async Task Handle_LogsNoCodeNonceOrAddress()
    {
        var a = await IssueAsync("a@example.com");
        _h.Mail.FailWith = Failures.Mail("Throttling", FailureKind.Transient, "TooManyRequestsException");
        await Handle(Insert(a, "600"));
        _h.Mail.FailWith = null;
        await Handle(Insert(a, "600"));

        var logs = _logs.ToString();
        Assert.DoesNotContain(_h.CurrentCode("a@example.com"), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(a.Nonce), logs, StringComparison.Ordinal);
        Assert.DoesNotContain("a@example.com", logs, StringComparison.Ordinal);
    }
}
