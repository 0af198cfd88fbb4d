using System.Diagnostics;
using System.Globalization;
using OtpService.Core.Contracts;
using OtpService.Core.Deadlines;
using OtpService.Core.Logging;
using OtpService.Core.Otp;
using OtpService.Core.Ports;
using OtpService.Core.Storage;

namespace OtpService.Core.Streams;

/// <summary>
/// SendOtpEmail's batch loop: every record of the batch (the seed read only the first), INSERTs of
/// code items only, within the invocation's budget. What happens to a record follows its mail's
/// <see cref="DeliveryFailureClass"/>:
/// <list type="bullet">
/// <item>sent, skipped (already mailed, used, expired), undeliverable (logged with the error type,
/// counted) and malformed records are done: Lambda does not retry them;</item>
/// <item>transient and configuration failures, a claim another invocation holds, storage failures
/// and records the budget could not cover are reported in <c>batchItemFailures</c>: the event
/// source mapping retries them a bounded number of times, then sends them to the failure queue.
/// Configuration failures are counted in their own metric, which an alarm watches.</item>
/// </list>
/// </summary>
public static class StreamBatchHandler
{
    public static async Task<Stream> HandleAsync(Stream input, OtpMailer mailer, InvocationLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mailer);
        ArgumentNullException.ThrowIfNull(log);
        var started = Stopwatch.GetTimestamp();
        var budget = InvocationBudget.ForTimeout(mailer.Settings.FunctionTimeoutSeconds);
        using var deadline = budget.Start(TimeProvider.System);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var response = new StreamBatchResponse();
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var records = (await LambdaJson.ReadAsync(input, LambdaJsonContext.Default.DynamoDbStreamEvent, cancellation.Token).ConfigureAwait(false))?.Records;
        if (records is null)
        {
            Count(tally, "event_malformed");
        }

        foreach (var record in records ?? [])
        {
            var outcome = await HandleRecordAsync(record, mailer, log, deadline, budget, cancellation.Token).ConfigureAwait(false);
            Count(tally, outcome);
            if (IsRetried(outcome))
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = record.Dynamodb?.SequenceNumber ?? "" });
            }
        }

        var fields = new List<KeyValuePair<string, object?>> { new("route", "stream"), new("records", records?.Count ?? 0) };
        fields.AddRange(tally.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value)));
        fields.Add(new("batchItemFailures", response.BatchItemFailures.Count));
        fields.Add(new("durationMs", Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        log.Write(tally.Keys.Any(k => IsRetried(k) || k.Contains("malformed", StringComparison.Ordinal) || k == MailUndeliverable) ? "WARN" : "INFO", fields);
        log.WriteMetrics(tally.Where(t => t.Key is not Ignored));

        return LambdaJson.Write(response, LambdaJsonContext.Default.StreamBatchResponse);
    }

    private const string Ignored = "ignored";
    private const string MailUndeliverable = "mail_undeliverable";

    /// <summary>Outcomes Lambda must deliver again: the record is not done.</summary>
    private static bool IsRetried(string outcome) => outcome is "mail_failed_transient" or "mail_failed_configuration"
        or "mail_claim_held" or "record_not_started" or "store_unavailable";

    private static async Task<string> HandleRecordAsync(
        DynamoDbStreamRecord record,
        OtpMailer mailer,
        InvocationLog log,
        InvocationDeadline deadline,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        if (record.EventName != "INSERT")
        {
            return Ignored;
        }

        var image = record.Dynamodb?.NewImage;
        if (image is not null && !image.ContainsKey(OtpTable.Nonce))
        {
            return Ignored; // the address record, not a code
        }

        if (!TryReadKey(record, out var address, out var expiresAt))
        {
            LogRecord(log, record, "record_malformed", null);
            return "record_malformed";
        }

        if (!deadline.CanCover(budget.MailRecordAllowance))
        {
            // Too little time left to claim, send and mark this one: leave it (unclaimed) to the retry.
            return "record_not_started";
        }

        try
        {
            var result = await mailer.MailAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
            var outcome = result switch
            {
                { Outcome: MailOutcome.Sent } => "mail_sent",
                { Outcome: MailOutcome.Skipped } => "mail_skipped",
                { Outcome: MailOutcome.ClaimHeld } => "mail_claim_held",
                { FailureClass: DeliveryFailureClass.Undeliverable } => MailUndeliverable,
                { FailureClass: DeliveryFailureClass.Configuration } => "mail_failed_configuration",
                _ => "mail_failed_transient",
            };
            if (result.Outcome is MailOutcome.Failed or MailOutcome.ClaimHeld)
            {
                LogRecord(log, record, outcome, address, result.ErrorType, result.Error);
            }

            return outcome;
        }
        catch (StoreConfigurationException e)
        {
            // The sender's table access is wrong: no mail can go out, like an SES configuration failure.
            LogRecord(log, record, "mail_failed_configuration", address, e.ErrorType, e.Message);
            return "mail_failed_configuration";
        }
        catch (StoreUnavailableException e)
        {
            LogRecord(log, record, "store_unavailable", address, e.ErrorType, e.Message);
            return "store_unavailable";
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            // Not expected (a record starts only when its allowance fits): report it for a retry.
            LogRecord(log, record, "record_not_started", address, "DeadlineExceeded", "the invocation's budget ran out during this record");
            return "record_not_started";
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

    private static void Count(SortedDictionary<string, int> tally, string outcome) =>
        tally[outcome] = tally.GetValueOrDefault(outcome) + 1;

    private static void LogRecord(InvocationLog log, DynamoDbStreamRecord record, string outcome, string? address, string? errorType = null, string? error = null) =>
        log.Write(outcome is "mail_failed_transient" or "mail_claim_held" or "store_unavailable" ? "WARN" : "ERROR",
        [
            new("route", "stream"),
            new("eventId", record.EventId),
            new("sequenceNumber", record.Dynamodb?.SequenceNumber),
            new("outcome", outcome),
            new("address", InvocationLog.MaskAddress(address)),
            new("errorType", errorType),
            new("error", error),
        ]);
}
