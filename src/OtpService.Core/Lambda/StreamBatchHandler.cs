using OtpService.Core.Rules;
using OtpService.Core.Aws;

namespace OtpService.Core.Lambda;

/// <summary>
/// SendOtpEmail's batch loop: every record of the batch (the seed read only the first), INSERTs of
/// code items only, within the invocation's budget. Each record is read on its own
/// (<see cref="StreamEventRecords"/>), so a record of a wrong shape is one malformed record and never
/// takes the others with it. What happens to a record follows its mail's <see cref="FailureKind"/>:
/// <list type="bullet">
/// <item>sent, skipped (already mailed, used, expired) and undeliverable (logged with the error type,
/// counted) records are done: Lambda does not retry them;</item>
/// <item>transient and configuration failures, a claim another invocation holds, storage failures,
/// records the budget could not cover and malformed records are reported in <c>batchItemFailures</c>:
/// the event source mapping retries them a bounded number of times, then sends them to the failure
/// queue. Configuration failures and malformed records are counted in their own metrics, which alarms watch.</item>
/// </list>
/// </summary>
/// <remarks>
/// What Lambda does with the answer (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html,
/// "Success and failure conditions" and "Bisecting a batch"): it checkpoints at the lowest sequence
/// number named and retries from that record on; it treats the batch as a complete failure when an
/// <c>itemIdentifier</c> is null, empty or names no record of the batch; with
/// BisectBatchOnFunctionError and ReportBatchItemFailures both on, a partial answer bisects the batch
/// at the named record. After MaximumRetryAttempts (5 in the template) or MaximumRecordAgeInSeconds
/// (600) the rest goes to the on-failure destination, the alarmed failure queue
/// (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
/// <para>
/// A malformed record whose identity can be read is failed, not dropped: it passed the mapping's
/// filter (an INSERT with a NONCE), so it may be a code GenerateOtp answered 202 for, and dropping it
/// would lose that code with one log line. Failing it costs at most the mapping's bounded retries of
/// the records from it on (a redelivered record that was mailed sends nothing: the mailing claim),
/// then the failure queue keeps it and its alarm fires; a poison record is never retried forever.
/// A record whose identity cannot be read (null, a number, no <c>dynamodb.SequenceNumber</c>) cannot be
/// named, so the batch is failed at it by naming the nearest readable record before it (Lambda
/// retries from there; that one is done and sends nothing again), or with an empty identifier, a
/// complete failure, when there is none. An envelope that cannot be read (no <c>Records</c> array) is
/// a complete failure too. The records after a failed one are still mailed now, so a bad record never
/// delays the good ones.
/// </para>
/// </remarks>
public static class StreamBatchHandler
{
    /// <summary>One stream event, within <paramref name="budget"/> (built once, at init).</summary>
    public static async Task<Stream> HandleAsync(Stream input, OtpMailer mailer, InvocationBudget budget, InvocationLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mailer);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(log);
        var started = mailer.Clock.GetTimestamp();
        using var deadline = budget.Start(mailer.Clock);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var response = new StreamBatchResponse();
        var tally = new Dictionary<StreamRecordOutcome, int>();
        var (document, problem) = await StreamEventRecords.ReadAsync(input, cancellation.Token).ConfigureAwait(false);
        var records = 0;
        using (document)
        {
            if (document is null)
            {
                Count(tally, StreamRecordOutcome.EventMalformed);
                log.Write("ERROR", [new("route", "stream"), new("outcome", MetricNames.Key(StreamRecordOutcome.EventMalformed)), new("error", problem)]);
                // No record can be named: an empty identifier makes the whole batch a failure, retried and then kept by the failure queue.
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = "" });
            }
            else
            {
                string? lastIdentity = null;
                foreach (var record in StreamEventRecords.Records(document))
                {
                    records++;
                    var identity = record.SequenceNumber;
                    var outcome = await HandleRecordAsync(record, mailer, log, deadline, budget, cancellation.Token).ConfigureAwait(false);
                    Count(tally, outcome);
                    if (IsRetried(outcome))
                    {
                        // Unnamed: fail at the record before it (retried from there), or the whole batch ("").
                        var name = identity ?? lastIdentity ?? "";
                        if (!response.BatchItemFailures.Exists(f => f.ItemIdentifier == name))
                        {
                            response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = name });
                        }
                    }

                    lastIdentity = identity ?? lastIdentity;
                }
            }
        }

        var fields = new List<KeyValuePair<string, object?>> { new("route", "stream"), new("records", records) };
        fields.AddRange(tally.Select(t => new KeyValuePair<string, object?>(MetricNames.Key(t.Key), t.Value)).OrderBy(f => f.Key, StringComparer.Ordinal));
        fields.Add(new("batchItemFailures", response.BatchItemFailures.Count));
        fields.Add(new("durationMs", mailer.Clock.GetElapsedTime(started).TotalMilliseconds));
        log.Write(tally.Keys.Any(k => IsRetried(k) || k == StreamRecordOutcome.EventMalformed || k == StreamRecordOutcome.MailUndeliverable) ? "WARN" : "INFO", fields);
        log.WriteMetrics(tally.Where(t => MetricNames.For(t.Key) is not null).Select(t => new KeyValuePair<Metric, int>(MetricNames.For(t.Key)!.Value, t.Value)));

        return LambdaJson.Write(response, LambdaJsonContext.Default.StreamBatchResponse);
    }

    /// <summary>Outcomes Lambda must deliver again: the record is not done.</summary>
    private static bool IsRetried(StreamRecordOutcome outcome) => outcome is StreamRecordOutcome.MailFailedTransient or StreamRecordOutcome.MailFailedConfiguration
        or StreamRecordOutcome.MailClaimHeld or StreamRecordOutcome.RecordNotStarted or StreamRecordOutcome.StoreUnavailable or StreamRecordOutcome.RecordMalformed;

    private static async Task<StreamRecordOutcome> HandleRecordAsync(
        StreamRecordFields record,
        OtpMailer mailer,
        InvocationLog log,
        InvocationDeadline deadline,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        if (!record.IsObject)
        {
            LogMalformed(log, record, $"the record is {StreamEventRecords.Kind(record.Element)}");
            return StreamRecordOutcome.RecordMalformed;
        }

        if (record.EventName is not { } eventName)
        {
            LogMalformed(log, record, "eventName is missing or not a string");
            return StreamRecordOutcome.RecordMalformed;
        }

        if (eventName != "INSERT" || record.NewImageHas(OtpTable.Nonce) == false)
        {
            return StreamRecordOutcome.Ignored; // a change, or the address record or a window (no NONCE), not a new code
        }

        // The keys find the code in the table; an image that cannot be read (or none) says nothing against it.
        var address = record.KeyString(OtpTable.Address, out var addressProblem);
        var expiresAt = record.KeyNumber(OtpTable.ExpirationTime, out var expiryProblem);
        if (address is null || expiresAt is null)
        {
            LogMalformed(log, record, addressProblem ?? expiryProblem);
            return StreamRecordOutcome.RecordMalformed;
        }

        if (!deadline.CanCover(budget.MailRecordAllowance))
        {
            // Too little time left to claim, send and mark this one: leave it (unclaimed) to the retry.
            return StreamRecordOutcome.RecordNotStarted;
        }

        try
        {
            var result = await mailer.MailAsync(address, expiresAt.Value, cancellationToken).ConfigureAwait(false);
            var outcome = result switch
            {
                { Outcome: MailOutcome.Sent } => StreamRecordOutcome.MailSent,
                { Outcome: MailOutcome.Skipped } => StreamRecordOutcome.MailSkipped,
                { Outcome: MailOutcome.ClaimHeld } => StreamRecordOutcome.MailClaimHeld,
                { FailureKind: FailureKind.Undeliverable } => StreamRecordOutcome.MailUndeliverable,
                { FailureKind: FailureKind.Configuration } => StreamRecordOutcome.MailFailedConfiguration,
                _ => StreamRecordOutcome.MailFailedTransient,
            };
            if (result.Outcome is MailOutcome.Failed or MailOutcome.ClaimHeld)
            {
                LogRecord(log, record, outcome, address, result.ErrorType, result.Error);
            }

            return outcome;
        }
        catch (DependencyException e)
        {
            // The table, or the code key ring (not read at init, nor again now): the record is retried either way.
            // A wrong deployment (the sender's table access, the key's secret) is counted like an SES configuration failure.
            var outcome = e switch
            {
                { IsTransient: false } => StreamRecordOutcome.MailFailedConfiguration,
                { Service: Dependency.DynamoDB } => StreamRecordOutcome.StoreUnavailable,
                _ => StreamRecordOutcome.MailFailedTransient,
            };
            LogRecord(log, record, outcome, address, e.ErrorType, e.Message);
            return outcome;
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            // Not expected (a record starts only when its allowance fits): report it for a retry.
            LogRecord(log, record, StreamRecordOutcome.RecordNotStarted, address, "DeadlineExceeded", "the invocation's budget ran out during this record");
            return StreamRecordOutcome.RecordNotStarted;
        }
    }

    private static void Count(Dictionary<StreamRecordOutcome, int> tally, StreamRecordOutcome outcome) =>
        tally[outcome] = tally.GetValueOrDefault(outcome) + 1;

    private static void LogRecord(InvocationLog log, StreamRecordFields record, StreamRecordOutcome outcome, string? address, string? errorType = null, string? error = null) =>
        log.Write(outcome is StreamRecordOutcome.MailFailedTransient or StreamRecordOutcome.MailClaimHeld or StreamRecordOutcome.StoreUnavailable ? "WARN" : "ERROR",
        [
            new("route", "stream"),
            new("eventId", record.EventId),
            new("sequenceNumber", record.SequenceNumber),
            new("outcome", MetricNames.Key(outcome)),
            new("address", InvocationLog.MaskAddress(address)),
            new("errorType", errorType),
            new("error", error),
        ]);

    /// <summary>One ERROR line: which record (its position, and its identity when it has one) and what is wrong with it; never its content.</summary>
    private static void LogMalformed(InvocationLog log, StreamRecordFields record, string? problem) =>
        log.Write("ERROR",
        [
            new("route", "stream"),
            new("recordIndex", record.Index),
            new("eventId", record.EventId),
            new("sequenceNumber", record.SequenceNumber),
            new("outcome", MetricNames.Key(StreamRecordOutcome.RecordMalformed)),
            new("error", problem),
        ]);
}
