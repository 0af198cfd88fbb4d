using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using OtpService.Core.Rules;
using static OtpService.Core.Aws.OtpTable;

namespace OtpService.Core.Aws;

/// <summary>
/// <see cref="IOtpStore"/> over the DynamoDB low-level client. Every state change is a
/// conditional write; issuing a code (the address record and the code item) is one
/// TransactWriteItems where the endpoint has it (AWS, moto) and two conditional writes where it
/// answers UnknownOperationException (dynalite, which runs the local runner): found out on the
/// first issue and remembered (README "Storage"). Every write records the request's idempotency
/// token in the item it changes (<see cref="OtpTable.WriteTokens"/>, or a window's token set),
/// and a refused write reads the item back: its token there means the refusal is the write's own
/// earlier send, applied, whose response was lost, and it answers as that send did.
/// </summary>
public sealed class DynamoDbOtpStore(IAmazonDynamoDB client, string tableName) : IOtpStore
{
    /// <summary>What an endpoint without TransactWriteItems answers (dynalite; DESIGN.md, emulator facts).</summary>
    private const string UnknownOperation = "UnknownOperationException";
    private const int TransactionsUnknown = 0;
    private const int TransactionsSupported = 1;
    private const int TransactionsUnsupported = -1;

    // Learned from the first issue and kept for the client's lifetime (one endpoint per client).
    private int _transactions = TransactionsUnknown;

    /// <summary>
    /// How this store issues a code: true, in one TransactWriteItems (AWS, moto); false, in two
    /// conditional writes, because the endpoint has no transactions (dynalite); null until the
    /// first issue has found out.
    /// </summary>
    public bool? IssuesInOneTransaction => Volatile.Read(ref _transactions) switch
    {
        TransactionsSupported => true,
        TransactionsUnsupported => false,
        _ => null,
    };

    public async Task<AddressState> LoadAddressAsync(string address, CancellationToken cancellationToken)
    {
        var response = await Call(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(address, AddressRecordSortKey),
            ConsistentRead = true,
        }, cancellationToken)).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? ToState(item) : AddressState.Empty;
    }

    public async Task<NewestCode> LoadNewestAsync(string address, CancellationToken cancellationToken)
    {
        // The address record sorts last, so a descending query's first two items are the record and the newest code.
        var page = await Call(() => client.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            ConsistentRead = true,
            ScanIndexForward = false,
            Limit = 2,
            KeyConditionExpression = "#a = :a",
            ExpressionAttributeNames = new() { ["#a"] = Address },
            ExpressionAttributeValues = new() { [":a"] = S(address) },
        }, cancellationToken)).ConfigureAwait(false);
        var state = AddressState.Empty;
        StoredCode? code = null;
        foreach (var item in page.Items ?? [])
        {
            if (item.ContainsKey(Nonce))
            {
                code ??= ToCode(item);
            }
            else if (Long(item, ExpirationTime) == AddressRecordSortKey)
            {
                state = ToState(item);
            }
        }

        return new NewestCode(state, code);
    }

    public async Task<StoredCode?> GetAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        var response = await Call(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            ConsistentRead = true,
        }, cancellationToken)).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item && item.ContainsKey(Nonce) ? ToCode(item) : null;
    }

    public async Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(record);
        var recordWrite = RecordWrite(code.Address, record, expectedVersion, recordKeepUntil, token);
        var codeWrite = CodeWrite(code, codeKeepUntil, token);
        if (Volatile.Read(ref _transactions) != TransactionsUnsupported
            && await TryIssueInOneTransactionAsync(recordWrite, codeWrite, cancellationToken).ConfigureAwait(false) is { } result)
        {
            // All or nothing: the record carrying the token means the whole transaction applied.
            return result == IssueResult.Conflict && await WrittenWithAsync(recordWrite.Key, token, cancellationToken).ConfigureAwait(false) is not null
                ? IssueResult.Issued
                : result;
        }

        // No transactions here (dynalite): the record first, so a failure between the writes
        // leaves a counted send whose code never exists (fails safe), never a code uncounted.
        var claimed = await Conditional(() => client.UpdateItemAsync(recordWrite.AsRequest(tableName), cancellationToken)).ConfigureAwait(false);
        if (!claimed && await WrittenWithAsync(recordWrite.Key, token, cancellationToken).ConfigureAwait(false) is null)
        {
            return IssueResult.Conflict;
        }

        var inserted = await Conditional(() => client.PutItemAsync(codeWrite.AsRequest(tableName), cancellationToken)).ConfigureAwait(false);
        return inserted || await WrittenWithAsync(codeWrite.Key, token, cancellationToken).ConfigureAwait(false) is not null
            ? IssueResult.Issued
            : IssueResult.Conflict;
    }

    /// <summary>
    /// Both issue writes in one TransactWriteItems (all or nothing): the result, or null when the
    /// endpoint has no transactions (then remembered, so later issues go straight to two writes).
    /// </summary>
    private async Task<IssueResult?> TryIssueInOneTransactionAsync(UpdateWrite recordWrite, PutWrite codeWrite, CancellationToken cancellationToken)
    {
        var request = new TransactWriteItemsRequest
        {
            TransactItems = [recordWrite.AsTransactItem(tableName), codeWrite.AsTransactItem(tableName)],
        };
        try
        {
            await client.TransactWriteItemsAsync(request, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _transactions, TransactionsSupported);
            return IssueResult.Issued;
        }
        catch (TransactionCanceledException e)
        {
            Volatile.Write(ref _transactions, TransactionsSupported);
            return CancelledIssue(e);
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode == UnknownOperation && Volatile.Read(ref _transactions) != TransactionsSupported)
        {
            Volatile.Write(ref _transactions, TransactionsUnsupported);
            return null;
        }
        catch (Exception e) when (StorageFailure(e) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// A cancelled issue transaction: a failed condition (the record's version moved on, or the
    /// code's key is taken) or a concurrent transaction on one of the items is a conflict, to be
    /// re-read and decided again; any other reason (throttling, validation) is a storage failure.
    /// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
    /// </summary>
    internal static IssueResult CancelledIssue(TransactionCanceledException cancelled)
    {
        ArgumentNullException.ThrowIfNull(cancelled);
        var reasons = cancelled.CancellationReasons ?? [];
        if (reasons.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict"))
        {
            return IssueResult.Conflict;
        }

        var codes = string.Join(", ", reasons.Select(r => r.Code ?? "None"));
        throw new DependencyException(Dependency.DynamoDB, FailureKind.Transient, nameof(TransactionCanceledException), $"DynamoDB cancelled the issue transaction: [{codes}].", cancelled);
    }

    /// <summary>The address record's issue write: every attribute the rules computed, conditional on the version read.</summary>
    private static UpdateWrite RecordWrite(string address, AddressState record, long expectedVersion, long recordKeepUntil, string token)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":next"] = N(expectedVersion + 1),
            [":newest"] = N(record.Newest ?? 0),
            [":attempts"] = N(record.Attempts),
            [":guesses"] = Map(record.Guesses.ToDictionary(g => g.Key, g => (long)g.Value)),
            [":sendTat"] = N(record.SendTat),
            [":lastSent"] = N(record.LastSentAt),
            [":senders"] = Map(record.Senders),
            [":owners"] = Map(record.Owners),
            [":failures"] = N(record.Failures),
            [":since"] = N(record.FailuresSince),
            [":keep"] = N(recordKeepUntil),
            [":recent"] = Recent(record.Recent),
            [":written"] = Tokens(token),
        };
        if (expectedVersion != 0)
        {
            values[":expected"] = N(expectedVersion);
        }

        return new UpdateWrite(
            Key(address, AddressRecordSortKey),
            "SET #v = :next, #newest = :newest, #n = :attempts, #g = :guesses, #tat = :sendTat, #last = :lastSent, "
                + "#senders = :senders, #owners = :owners, #f = :failures, #since = :since, #d = :keep, #recent = :recent, #wt = :written REMOVE #u",
            expectedVersion == 0 ? "attribute_not_exists(#v)" : "#v = :expected",
            new()
            {
                ["#v"] = RecordVersion,
                ["#newest"] = Newest,
                ["#n"] = Attempts,
                ["#g"] = Guesses,
                ["#tat"] = SendTat,
                ["#last"] = LastSentAt,
                ["#senders"] = Senders,
                ["#owners"] = Owners,
                ["#f"] = Failures,
                ["#since"] = FailuresSince,
                ["#d"] = DeleteAfter,
                ["#u"] = UsedAt,
                ["#recent"] = RecentCodes,
                ["#wt"] = WriteTokens,
            },
            values);
    }

    /// <summary>The code item's insert, conditional on its key being free.</summary>
    private static PutWrite CodeWrite(StoredCode code, long codeKeepUntil, string token)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Address] = S(code.Address),
            [ExpirationTime] = N(code.ExpiresAt),
            [Nonce] = B(code.Nonce),
            [CreatedAt] = N(code.CreatedAt),
            [Digits] = N(code.Digits),
            [DeleteAfter] = N(codeKeepUntil),
            [WriteTokens] = Tokens(token),
        };
        if (code.VerificationIdHash is { } hash)
        {
            item[VerificationIdHash] = B(hash);
        }

        if (code.Locale is { } locale)
        {
            item[Locale] = S(locale);
        }

        return new PutWrite(item, "attribute_not_exists(#a)", new() { ["#a"] = Address });
    }

    /// <summary>One conditional UpdateItem, sent alone or as part of a transaction.</summary>
    private sealed record UpdateWrite(
        Dictionary<string, AttributeValue> Key,
        string Update,
        string Condition,
        Dictionary<string, string> Names,
        Dictionary<string, AttributeValue> Values)
    {
        public UpdateItemRequest AsRequest(string table) => new()
        {
            TableName = table,
            Key = Key,
            UpdateExpression = Update,
            ConditionExpression = Condition,
            ExpressionAttributeNames = Names,
            ExpressionAttributeValues = Values,
        };

        public TransactWriteItem AsTransactItem(string table) => new()
        {
            Update = new Update
            {
                TableName = table,
                Key = Key,
                UpdateExpression = Update,
                ConditionExpression = Condition,
                ExpressionAttributeNames = Names,
                ExpressionAttributeValues = Values,
            },
        };
    }

    /// <summary>One conditional PutItem, sent alone or as part of a transaction.</summary>
    private sealed record PutWrite(Dictionary<string, AttributeValue> Item, string Condition, Dictionary<string, string> Names)
    {
        public Dictionary<string, AttributeValue> Key => new() { [Address] = Item[Address], [ExpirationTime] = Item[ExpirationTime] };

        public PutItemRequest AsRequest(string table) => new()
        {
            TableName = table,
            Item = Item,
            ConditionExpression = Condition,
            ExpressionAttributeNames = Names,
        };

        public TransactWriteItem AsTransactItem(string table) => new()
        {
            Put = new Put { TableName = table, Item = Item, ConditionExpression = Condition, ExpressionAttributeNames = Names },
        };
    }

    public async Task<int?> TryRecordWrongGuessAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, string token, CancellationToken cancellationToken)
    {
        var key = Key(address, AddressRecordSortKey);
        var values = JudgeableValues(newest, maxPerClient, maxAllClients, now, withZero: true);
        values[":token"] = S(token);
        values[":written"] = Tokens(token);
        // ADD is not idempotent and a retry may still pass Judgeable: NOT contains refuses it, and the read below recognizes it.
        var response = await ConditionalUpdate(new UpdateItemRequest
        {
            TableName = tableName,
            Key = key,
            UpdateExpression = "SET #g.#c = if_not_exists(#g.#c, :zero) + :one ADD #n :one, #f :one, #v :one, #wt :written",
            ConditionExpression = Judgeable + " AND NOT contains(#wt, :token)",
            ExpressionAttributeNames = JudgeableNames(clientTag, withFailures: true),
            ExpressionAttributeValues = values,
            ReturnValues = ReturnValue.ALL_NEW,
        }, cancellationToken).ConfigureAwait(false);
        var item = response?.Attributes ?? await WrittenWithAsync(key, token, cancellationToken).ConfigureAwait(false);
        return item is null ? null : ToState(item).GuessesBy(clientTag);
    }

    public async Task<bool> TryMarkUsedAsync(string address, long newest, string clientTag, int maxPerClient, int maxAllClients, long now, IReadOnlyDictionary<string, long> owners, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owners);
        var key = Key(address, AddressRecordSortKey);
        var values = JudgeableValues(newest, maxPerClient, maxAllClients, now, withZero: false);
        values[":now"] = N(now);
        values[":owners"] = Map(owners);
        values[":written"] = Tokens(token);
        // A retry of an applied mark fails Judgeable (the code is used): the record naming our token says it was ours.
        return await Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = key,
            UpdateExpression = "SET #u = :now, #o = :owners ADD #v :one, #wt :written",
            ConditionExpression = Judgeable,
            ExpressionAttributeNames = JudgeableNames(clientTag, withFailures: false),
            ExpressionAttributeValues = values,
        }, cancellationToken)).ConfigureAwait(false)
            || await WrittenWithAsync(key, token, cancellationToken).ConfigureAwait(false) is not null;
    }

    public Task<bool> TryCountAsync(WindowKey window, WindowCounter counter, string token, int limit, string? member, int memberLimit, long keepUntil, CancellationToken cancellationToken)
    {
        // A set of tokens, not ADD 1: the SDK's retry of an applied write adds the same token again (no change) and passes contains().
        var names = new Dictionary<string, string> { ["#cnt"] = CounterName(counter), ["#d"] = DeleteAfter };
        var values = new Dictionary<string, AttributeValue>
        {
            [":token"] = S(token),
            [":tokens"] = Tokens(token),
            [":limit"] = N(limit),
            [":keep"] = N(keepUntil),
        };
        var update = "ADD #cnt :tokens SET #d = :keep";
        var condition = "(attribute_not_exists(#cnt) OR size(#cnt) < :limit OR contains(#cnt, :token))";
        if (member is not null)
        {
            names["#m"] = Addresses;
            values[":member"] = S(member);
            values[":members"] = new AttributeValue { SS = [member] };
            values[":memberLimit"] = N(memberLimit);
            update = "ADD #cnt :tokens, #m :members SET #d = :keep";
            condition += " AND (attribute_not_exists(#m) OR contains(#m, :member) OR size(#m) < :memberLimit)";
        }

        return Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(window.Key, window.WindowEnd),
            UpdateExpression = update,
            ConditionExpression = condition,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        }, cancellationToken));
    }

    // Conditional only so that taking back from a window that is gone creates no item without a TTL.
    public Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken) =>
        Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(window.Key, window.WindowEnd),
            UpdateExpression = "DELETE #cnt :tokens",
            ConditionExpression = "attribute_exists(#cnt)",
            ExpressionAttributeNames = new() { ["#cnt"] = CounterName(counter) },
            ExpressionAttributeValues = new() { [":tokens"] = Tokens(token) },
        }, cancellationToken));

    public async Task<StoredCode?> TryClaimMailingAsync(string address, long expiresAt, long now, int leaseSeconds, string token, CancellationToken cancellationToken)
    {
        var key = Key(address, expiresAt);
        var response = await ConditionalUpdate(new UpdateItemRequest
        {
            TableName = tableName,
            Key = key,
            UpdateExpression = "SET #c = :now ADD #wt :written",
            ConditionExpression = "attribute_exists(#nonce) AND attribute_not_exists(#m) AND (attribute_not_exists(#c) OR #c <= :staleBefore)",
            ExpressionAttributeNames = new() { ["#nonce"] = Nonce, ["#m"] = MailedAt, ["#c"] = MailClaimedAt, ["#wt"] = WriteTokens },
            ExpressionAttributeValues = new() { [":now"] = N(now), [":staleBefore"] = N(now - leaseSeconds), [":written"] = Tokens(token) },
            ReturnValues = ReturnValue.ALL_NEW,
        }, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            return ToCode(response.Attributes);
        }

        // A retry of our own applied claim finds the claim held (by us): still ours while unmailed.
        return await WrittenWithAsync(key, token, cancellationToken).ConfigureAwait(false) is { } item && item.ContainsKey(Nonce) && !item.ContainsKey(MailedAt)
            ? ToCode(item)
            : null;
    }

    public Task MarkMailedAsync(string address, long expiresAt, long now, string keyVersion, CancellationToken cancellationToken) =>
        Call(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "SET #m = :now, #k = :version REMOVE #c",
            ConditionExpression = "attribute_exists(#a)",
            ExpressionAttributeNames = new() { ["#m"] = MailedAt, ["#k"] = KeyVersion, ["#c"] = MailClaimedAt, ["#a"] = Address },
            ExpressionAttributeValues = new() { [":now"] = N(now), [":version"] = S(keyVersion) },
        }, cancellationToken));

    public Task ReleaseMailingClaimAsync(string address, long expiresAt, CancellationToken cancellationToken) =>
        Conditional(() => client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(address, expiresAt),
            UpdateExpression = "REMOVE #c",
            ConditionExpression = "attribute_exists(#a)",
            ExpressionAttributeNames = new() { ["#c"] = MailClaimedAt, ["#a"] = Address },
        }, cancellationToken));

    /// <summary>The newest code may still be judged for this client: still newest, unexpired, unused, tries left for the client and for all (or the client is an owner).</summary>
    private const string Judgeable = "#newest = :newest AND #newest >= :now AND attribute_not_exists(#u) AND (#n < :maxAll OR attribute_exists(#o.#c)) "
        + "AND (attribute_not_exists(#g.#c) OR #g.#c < :max)";

    /// <summary>
    /// The item at <paramref name="key"/>, read consistently, if a write with <paramref name="token"/>
    /// applied to it (its <see cref="OtpTable.WriteTokens"/> hold the token); else null. Read only
    /// after a refused write, to tell a retry of our own applied write from a lost race.
    /// </summary>
    private async Task<Dictionary<string, AttributeValue>?> WrittenWithAsync(Dictionary<string, AttributeValue> key, string token, CancellationToken cancellationToken)
    {
        var response = await Call(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = key,
            ConsistentRead = true,
        }, cancellationToken)).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item && item.TryGetValue(WriteTokens, out var written) && written.SS is { } tokens && tokens.Contains(token)
            ? item
            : null;
    }

    private static AttributeValue Tokens(string token) => new() { SS = [token] };

    private static Dictionary<string, string> JudgeableNames(string clientTag, bool withFailures)
    {
        var names = new Dictionary<string, string>
        {
            ["#newest"] = Newest,
            ["#u"] = UsedAt,
            ["#n"] = Attempts,
            ["#g"] = Guesses,
            ["#c"] = clientTag,
            ["#o"] = Owners,
            ["#v"] = RecordVersion,
            ["#wt"] = WriteTokens,
        };
        if (withFailures)
        {
            names["#f"] = Failures;
        }

        return names;
    }

    private static Dictionary<string, AttributeValue> JudgeableValues(long newest, int maxPerClient, int maxAllClients, long now, bool withZero)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":newest"] = N(newest),
            [":now"] = N(now),
            [":max"] = N(maxPerClient),
            [":maxAll"] = N(maxAllClients),
            [":one"] = N(1),
        };
        if (withZero)
        {
            values[":zero"] = N(0);
        }

        return values;
    }

    private static string CounterName(WindowCounter counter) => counter switch
    {
        WindowCounter.Requests => RequestTokens,
        WindowCounter.Failures => FailedVerificationTokens,
        WindowCounter.Sends => SendTokens,
        _ => throw new ArgumentOutOfRangeException(nameof(counter)),
    };

    private static AddressState ToState(Dictionary<string, AttributeValue> item) => new AddressState(
        Long(item, RecordVersion) ?? 0,
        Long(item, Newest),
        (int)(Long(item, Attempts) ?? 0),
        Numbers(item, Guesses).ToDictionary(e => e.Key, e => (int)e.Value, StringComparer.Ordinal),
        Long(item, UsedAt),
        Long(item, SendTat) ?? 0,
        Long(item, LastSentAt) ?? 0,
        Numbers(item, Senders),
        Long(item, Failures) ?? 0,
        Long(item, FailuresSince) ?? 0)
    {
        Owners = Numbers(item, Owners),
        Recent = item.TryGetValue(RecentCodes, out var recent) && recent.L is { } list
            ? [.. list.Where(e => e.M is not null && e.M.ContainsKey(Nonce)).Select(e => new RecentCode(Long(e.M, ExpirationTime) ?? 0, e.M[Nonce].B.ToArray(), (int)(Long(e.M, Digits) ?? 6)))]
            : [],
    };

    private static AttributeValue Recent(IReadOnlyList<RecentCode> codes) => new()
    {
        L = [.. codes.Select(c => new AttributeValue
        {
            M = new() { [ExpirationTime] = N(c.ExpiresAt), [Nonce] = B(c.Nonce), [Digits] = N(c.Digits) },
        })],
        IsLSet = true,
    };

    private static Dictionary<string, long> Numbers(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.M is { } map
            ? map.Where(e => e.Value.N is not null).ToDictionary(e => e.Key, e => long.Parse(e.Value.N, CultureInfo.InvariantCulture), StringComparer.Ordinal)
            : new Dictionary<string, long>(StringComparer.Ordinal);

    private static AttributeValue Map(IReadOnlyDictionary<string, long> entries) =>
        new() { M = entries.ToDictionary(e => e.Key, e => N(e.Value)), IsMSet = true };

    private static StoredCode ToCode(Dictionary<string, AttributeValue> item) => new(
        item[Address].S,
        Long(item, ExpirationTime) ?? 0,
        Long(item, CreatedAt) ?? 0,
        item[Nonce].B.ToArray(),
        (int)(Long(item, Digits) ?? 6),
        Long(item, MailedAt),
        item.TryGetValue(KeyVersion, out var version) ? version.S : null,
        item.TryGetValue(VerificationIdHash, out var hash) && hash.B is { } bytes ? bytes.ToArray() : null,
        item.TryGetValue(Locale, out var locale) ? locale.S : null);

    private static Dictionary<string, AttributeValue> Key(string address, long expiresAt) => new()
    {
        [Address] = S(address),
        [ExpirationTime] = N(expiresAt),
    };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue B(byte[] value) => new() { B = new MemoryStream(value) };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long? Long(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var value) && value.N is { } n
            ? long.Parse(n, CultureInfo.InvariantCulture)
            : null;

    /// <summary>A conditional update's response, or null when its condition failed.</summary>
    private async Task<UpdateItemResponse?> ConditionalUpdate(UpdateItemRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await Call(() => client.UpdateItemAsync(request, cancellationToken)).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>Runs a conditional write: false when its condition failed, true when it applied.</summary>
    private static async Task<bool> Conditional(Func<Task> write)
    {
        try
        {
            await Call(write).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFailure(e) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>The storage failure <paramref name="e"/> stands for, or null for a failed condition (the store's own answer) and the caller's cancellation.</summary>
    internal static DependencyException? StorageFailure(Exception e) =>
        e is ConditionalCheckFailedException ? null : AwsFailureClassifier.FromSdk(Dependency.DynamoDB, "DynamoDB", e);

    private static Task<bool> Call(Func<Task> call) => Call(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    });
}
