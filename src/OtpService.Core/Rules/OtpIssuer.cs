
namespace OtpService.Core.Rules;

/// <summary>
/// GenerateOtp's rule: issue a fresh code for an address unless a limit says wait. In one round
/// of parallel calls it reads the address record, counts the request against the client's hour
/// and takes one from the global budget; then it issues by a write conditional on the record's
/// version. Where the store has transactions (<see cref="IOtpStore.CountsInTransactions"/>) the
/// client's count is made in that write instead (a refusal decided earlier makes it on its own),
/// so the request costs a read and the budget's count side by side, then one write; the budget
/// stays a write of its own, because every generate of the service writes that one item and
/// transactions on a shared item cancel each other (TransactionConflict). A request refused after the budget was taken gives it back (one more call, only on
/// refusals), so refusals never spend the budget.
/// </summary>
public sealed class OtpIssuer(IOtpStore store, OtpSettings settings, TimeProvider clock, ClientTagger tagger)
{
    /// <summary>The one clock of the function (the composition's TimeProvider): the rule's "now", and the invocation's deadline.</summary>
    public TimeProvider Clock => clock;

    // A conflict means another request issued for the same address between our read and write;
    // re-reading then sees its send and answers with the cooldown, so a few rounds always settle.
    private const int MaxRounds = 3;

    /// <param name="address">The normalized address.</param>
    /// <param name="clientId">The caller as the API saw it (source IP or the configured header); null when unknown.</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public Task<GenerateOutcome> IssueAsync(string address, string? clientId, CancellationToken cancellationToken) =>
        IssueAsync(address, clientId, locale: null, cancellationToken);

    /// <param name="address">The normalized address.</param>
    /// <param name="clientId">The caller as the API saw it (source IP or the configured header); null when unknown.</param>
    /// <param name="locale">The mail's language (<see cref="MailLocale.Choose"/>), stored with the code; null: the mailer's default.</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public async Task<GenerateOutcome> IssueAsync(string address, string? clientId, string? locale, CancellationToken cancellationToken)
    {
        var client = await tagger.ClientAsync(clientId, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var window = AbuseLimits.ClientWindow(client, now);
        var budget = AbuseLimits.BudgetWindow(now);
        // Every write of this request carries it, so each counts once however often it is sent.
        var requestToken = IdempotencyToken.New();
        var clientCount = new WindowCount(
            window, WindowCounter.Requests, requestToken, settings.ClientMaxRequestsPerHour,
            tagger.Address(address), settings.ClientMaxAddressesPerHour, AbuseLimits.WindowKeepUntil(window));
        // With transactions the client's count rides in the issue write (one request fewer); a
        // refusal decided before that write counts it on its own, so every request still counts.
        var folded = store.CountsInTransactions;
        var loading = store.LoadAddressAsync(address, cancellationToken);
        var counting = folded ? null : CountClientAsync();
        var budgeting = store.TryCountAsync(
            budget, WindowCounter.Sends, requestToken, settings.MaxSendsPerMinute, null, 0, AbuseLimits.WindowKeepUntil(budget), cancellationToken);
        await Task.WhenAll(loading, counting ?? Task.CompletedTask, budgeting).ConfigureAwait(false);
        var state = await loading.ConfigureAwait(false);
        var budgeted = await budgeting.ConfigureAwait(false);
        if (counting is not null && !await counting.ConfigureAwait(false))
        {
            return await RefusedAsync(GenerateStatus.ClientLimited, AbuseLimits.UntilClosed(window, now)).ConfigureAwait(false);
        }

        if (AbuseLimits.SendWait(state, client, now, settings) is { } wait)
        {
            return await RefusedAsync(StatusFor(wait.Limit), wait.Seconds).ConfigureAwait(false);
        }

        if (!budgeted)
        {
            return folded && !await CountClientAsync().ConfigureAwait(false)
                ? new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: AbuseLimits.UntilClosed(window, now))
                : new GenerateOutcome(GenerateStatus.BudgetExceeded, RetryAfterSeconds: AbuseLimits.UntilClosed(budget, now));
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            if (round > 0)
            {
                state = await store.LoadAddressAsync(address, cancellationToken).ConfigureAwait(false);
                if (AbuseLimits.SendWait(state, client, now, settings) is { } raced)
                {
                    return await RefusedAsync(StatusFor(raced.Limit), raced.Seconds).ConfigureAwait(false);
                }
            }

            // The newest code must sort last, and two codes of one address must not share a key.
            var expiresAt = Math.Max(now + settings.TtlSeconds, (state.Newest ?? 0) + 1);
            var (verificationId, verificationIdHash) = VerificationId.New();
            var code = new StoredCode(address, expiresAt, now, CodeDerivation.NewNonce(), AbuseLimits.DigitsFor(state, now, settings), VerificationIdHash: verificationIdHash, Locale: locale);
            var next = AbuseLimits.AfterSend(state, client, expiresAt, now, settings) with { Recent = SupersededCodes.Remember(state.Recent, code, now) };
            // Each round is a write of its own: a later round's token must not match an earlier round's record write.
            var issueToken = round == 0 ? requestToken : IdempotencyToken.New();
            var result = folded
                ? await store.TryIssueCountedAsync(
                    code, next, state.Version, AbuseLimits.RecordKeepUntil(next, settings), expiresAt + 3600, issueToken, clientCount, cancellationToken).ConfigureAwait(false)
                : await store.TryIssueAsync(
                    code, next, state.Version, AbuseLimits.RecordKeepUntil(next, settings), expiresAt + 3600, issueToken, cancellationToken).ConfigureAwait(false);
            if (result == IssueResult.Issued)
            {
                return new GenerateOutcome(GenerateStatus.Sent, ExpiresInSeconds: settings.TtlSeconds, VerificationId: verificationId);
            }

            if (result == IssueResult.WindowFull)
            {
                return await RefusedAsync(GenerateStatus.ClientLimited, AbuseLimits.UntilClosed(window, now), counted: true).ConfigureAwait(false);
            }
        }

        // Other requests kept issuing between our read and write: a code was just sent.
        return await RefusedAsync(GenerateStatus.Cooldown, Math.Max(1, settings.ResendCooldownSeconds)).ConfigureAwait(false);

        // A refusal sends nothing, so it gives back the budget it took.
        // Folded, the client's count is made here, beside the budget's return (the limit still wins).
        async Task<GenerateOutcome> RefusedAsync(GenerateStatus status, int retryAfterSeconds, bool counted = false)
        {
            var uncounting = budgeted ? store.UncountAsync(budget, WindowCounter.Sends, requestToken, cancellationToken) : Task.CompletedTask;
            var counting = folded && !counted ? CountClientAsync() : Task.FromResult(true);
            await Task.WhenAll(uncounting, counting).ConfigureAwait(false);
            return !await counting.ConfigureAwait(false)
                ? new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: AbuseLimits.UntilClosed(window, now))
                : new GenerateOutcome(status, RetryAfterSeconds: retryAfterSeconds);
        }

        Task<bool> CountClientAsync() => store.TryCountAsync(
            clientCount.Window, clientCount.Counter, clientCount.Token, clientCount.Limit, clientCount.Member, clientCount.MemberLimit, clientCount.KeepUntil, cancellationToken);
    }

    private static GenerateStatus StatusFor(SendLimit limit) => limit == SendLimit.Cooldown ? GenerateStatus.Cooldown : GenerateStatus.RateLimited;
}
