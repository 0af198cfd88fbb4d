using System.Text.Json;
using OtpService.Core.Contracts;
using OtpService.Core.Logging;
using OtpService.Core.Ports;
using OtpService.Core.Streams;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

public class StreamBatchHandlerTests
{
    private readonly RuleHarness _h = new(new OtpService.Core.Otp.OtpSettings { ResendCooldownSeconds = 0 });
    private readonly StringWriter _logs = new();
    private readonly SendOtpEmail.Function _send;

    public StreamBatchHandlerTests() => _send = new SendOtpEmail.Function(_h.Mailer, new InvocationLog(_logs, "SendOtpEmail"));

    private async Task<StoredCode> IssueAsync(string address)
    {
        await _h.Issuer.IssueAsync(address, RuleHarness.Client, default);
        return _h.Store.Codes(address)[0];
    }

    private static string Insert(StoredCode code, string sequence) => $$$"""
        {"eventID":"e{{{sequence}}}","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",
         "dynamodb":{"Keys":{"email_id":{"S":"{{{code.Address}}}"},"EXPIRATION_TIME":{"N":"{{{code.ExpiresAt}}}"}},
           "NewImage":{"email_id":{"S":"{{{code.Address}}}"},"EXPIRATION_TIME":{"N":"{{{code.ExpiresAt}}}"},"NONCE":{"B":"{{{Convert.ToBase64String(code.Nonce)}}}"}},
           "SequenceNumber":"{{{sequence}}}","SizeBytes":120,"StreamViewType":"NEW_IMAGE"}}
        """;

    private async Task<List<string>> Handle(params string[] records)
    {
        var output = await _send.FunctionHandler(ApiEvent.Raw($$"""{"Records":[{{string.Join(",", records)}}]}"""));
        var response = JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!;
        return response.BatchItemFailures.Select(f => f.ItemIdentifier).ToList();
    }

    [Fact]
    public async Task Handle_MailsEveryInsertOfTheBatch()
    {
        var a = await IssueAsync("a@example.com");
        var b = await IssueAsync("b@example.com");

        var failures = await Handle(Insert(a, "100"), Insert(b, "200"));

        Assert.Empty(failures);
        Assert.Equal(["a@example.com", "b@example.com"], _h.Mail.Sent.Select(m => m.To).Order());
    }

    [Fact]
    public async Task Handle_IgnoresModifyRemoveAndTheAddressRecord()
    {
        var a = await IssueAsync("a@example.com");
        var modify = Insert(a, "1").Replace("\"INSERT\"", "\"MODIFY\"", StringComparison.Ordinal);
        var addressRecord = Insert(a, "2").Replace("\"NONCE\":{\"B\"", "\"VERSION\":{\"N\"", StringComparison.Ordinal)
            .Replace(Convert.ToBase64String(a.Nonce), "1", StringComparison.Ordinal);

        var failures = await Handle(modify, addressRecord);

        Assert.Empty(failures);
        Assert.Empty(_h.Mail.Sent);
    }

    [Fact]
    public async Task Handle_ReportsOnlyTheRecordsThatCanSucceedLater()
    {
        var a = await IssueAsync("a@example.com");
        _h.Mail.FailWith = new EmailSendException("Throttling", retryable: true);

        var failures = await Handle(Insert(a, "300"));

        Assert.Equal(["300"], failures);
        _h.Mail.FailWith = null;
        Assert.Empty(await Handle(Insert(a, "300")));
        Assert.Single(_h.Mail.Sent);
    }

    [Fact]
    public async Task Handle_DropsRejectedMailAndMalformedRecords_WithoutRetry()
    {
        var a = await IssueAsync("a@example.com");
        _h.Mail.FailWith = new EmailSendException("MessageRejected", retryable: false);
        var malformed = """{"eventID":"x","eventName":"INSERT","dynamodb":{"Keys":{"email_id":{"S":"a@example.com"}},"NewImage":{"NONCE":{"B":"AAAA"}},"SequenceNumber":"9"}}""";

        var failures = await Handle(Insert(a, "400"), malformed);

        Assert.Empty(failures);
        Assert.Contains("\"outcome\":\"rejected\"", _logs.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"error\":\"MessageRejected\"", _logs.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"malformed\"", _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenStorageIsDown_RetriesTheRecord()
    {
        var a = await IssueAsync("a@example.com");
        _h.Store.Unavailable = true;

        Assert.Equal(["500"], await Handle(Insert(a, "500")));
    }

    [Fact]
    public async Task Handle_AnUnparsableEvent_IsLoggedAndNotRetried()
    {
        var output = await _send.FunctionHandler(ApiEvent.Raw("{\"Records\": 42"));

        Assert.Empty(JsonSerializer.Deserialize(output, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures);
        Assert.Contains("malformed_event", _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_LogsNoCodeNonceOrAddress()
    {
        var a = await IssueAsync("a@example.com");
        _h.Mail.FailWith = new EmailSendException("Throttling", retryable: true);
        await Handle(Insert(a, "600"));
        _h.Mail.FailWith = null;
        await Handle(Insert(a, "600"));

        var logs = _logs.ToString();
        Assert.DoesNotContain(_h.CurrentCode("a@example.com"), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(a.Nonce), logs, StringComparison.Ordinal);
        Assert.DoesNotContain("a@example.com", logs, StringComparison.Ordinal);
    }
}
