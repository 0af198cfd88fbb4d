using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OtpService.Core.Contracts;
using OtpService.Core.Logging;
using OtpService.Core.Otp;
using OtpService.Core.Ports;
using OtpService.Core.Storage;

namespace OtpService.Core.Streams;

/// <summary>
/// SendOtpEmail's batch loop: every record of the batch (the seed read only the first), INSERTs
/// of code items only. Transient failures go back to Lambda in batchItemFailures so only they are
/// retried; refused mails and malformed records are logged and dropped, never retried forever.
/// </summary>
public static class StreamBatchHandler
{
    public static async Task<Stream> HandleAsync(Stream input, OtpMailer mailer, InvocationLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mailer);
        ArgumentNullException.ThrowIfNull(log);
        var started = Stopwatch.GetTimestamp();
        var response = new StreamBatchResponse();
        var tally = new Dictionary<string, int>(StringComparer.Ordinal);
        var records = (await LambdaJson.ReadAsync(input, LambdaJsonContext.Default.DynamoDbStreamEvent, cancellationToken).ConfigureAwait(false))?.Records;
        if (records is null)
        {
            Count(tally, "malformed_event");
        }

        foreach (var record in records ?? [])
        {
            var outcome = await HandleRecordAsync(record, mailer, log, cancellationToken).ConfigureAwait(false);
            Count(tally, outcome);
            if (outcome == "retry")
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = record.Dynamodb?.SequenceNumber ?? "" });
            }
        }

        var fields = new List<KeyValuePair<string, object?>> { new("route", "stream"), new("records", records?.Count ?? 0) };
        fields.AddRange(tally.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value)));
        fields.Add(new("durationMs", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        log.Write(tally.ContainsKey("retry") || tally.ContainsKey("malformed_event") ? "WARN" : "INFO", fields);

        return LambdaJson.Write(response, LambdaJsonContext.Default.StreamBatchResponse);
    }

    private static async Task<string> HandleRecordAsync(DynamoDbStreamRecord record, OtpMailer mailer, InvocationLog log, CancellationToken cancellationToken)
    {
        if (record.EventName != "INSERT")
        {
            return "ignored";
        }

        var image = record.Dynamodb?.NewImage;
        if (image is not null && !image.ContainsKey(OtpTable.Nonce))
        {
            return "ignored"; // the address record, not a code
        }

        if (!TryReadKey(record, out var address, out var expiresAt))
        {
            LogRecord(log, record, "malformed", null);
            return "malformed";
        }

        try
        {
            var (outcome, error) = await mailer.MailAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
            if (outcome is MailOutcome.Rejected or MailOutcome.RetryLater)
            {
                LogRecord(log, record, outcome == MailOutcome.Rejected ? "rejected" : "retry", address, error);
            }

            return outcome switch
            {
                MailOutcome.Sent => "sent",
                MailOutcome.Skipped => "skipped",
                MailOutcome.Rejected => "rejected",
                _ => "retry",
            };
        }
        catch (StoreUnavailableException e)
        {
            LogRecord(log, record, "retry", address, e.Message);
            return "retry";
        }
    }

    private static bool TryReadKey(DynamoDbStreamRecord record, out string address, out long expiresAt)
    {
        var keys = record.Dynamodb?.Keys;
        address = keys is not null && keys.TryGetValue(OtpTable.Address, out var a) && a.S is { Length: > 0 } s ? s : "";
        expiresAt = 0;
        return address.Length > 0
            && keys!.TryGetValue(OtpTable.ExpirationTime, out var e)
            && long.TryParse(e.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out expiresAt);
    }

    private static void Count(Dictionary<string, int> tally, string outcome) =>
        tally[outcome] = tally.GetValueOrDefault(outcome) + 1;

    private static void LogRecord(InvocationLog log, DynamoDbStreamRecord record, string outcome, string? address, string? error = null) =>
        log.Write(outcome == "retry" ? "WARN" : "ERROR",
        [
            new("route", "stream"),
            new("eventId", record.EventId),
            new("sequenceNumber", record.Dynamodb?.SequenceNumber),
            new("outcome", outcome),
            new("address", InvocationLog.MaskAddress(address)),
            new("error", error),
        ]);
}
