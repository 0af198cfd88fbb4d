using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>
/// GenerateOtp's rule: issue a fresh code for an address unless a limit says wait. Reads the
/// address record only; counts the request against the client's hour (in parallel with that
/// read), then takes from the global budget, then issues by a write conditional on the record's
/// version.
/// </summary>
public sealed class OtpIssuer(IOtpStore store, OtpSettings settings, TimeProvider clock, ClientTagger tagger)
{
    // A conflict means another request issued for the same address between our read and write;
    // re-reading then sees its send and answers with the cooldown, so a few rounds always settle.
    private const int MaxRounds = 3;

    /// <param name="address">The normalized address.</param>
    /// <param name="clientId">The caller as the API saw it (source IP or the configured header); null when unknown.</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public async Task<GenerateOutcome> IssueAsync(string address, string? clientId, CancellationToken cancellationToken)
    {
        var client = tagger.Client(clientId);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var window = AbuseLimits.ClientWindow(client, now);
        var countToken = IdempotencyToken.New();
        var loading = store.LoadAddressAsync(address, cancellationToken);
        var counting = store.TryCountAsync(
            window, WindowCounter.Requests, countToken, settings.ClientMaxRequestsPerHour,
            tagger.Address(address), settings.ClientMaxAddressesPerHour, AbuseLimits.WindowKeepUntil(window), cancellationToken);
        await Task.WhenAll(loading, counting).ConfigureAwait(false);
        var state = await loading.ConfigureAwait(false);
        if (!await counting.ConfigureAwait(false))
        {
            return new GenerateOutcome(GenerateStatus.ClientLimited, RetryAfterSeconds: AbuseLimits.UntilClosed(window, now));
        }

        if (AbuseLimits.SendRetryAfter(state, client, now, settings) is { } wait)
        {
            return new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: wait);
        }

        var budget = AbuseLimits.BudgetWindow(now);
        if (!await store.TryCountAsync(budget, WindowCounter.Sends, countToken, settings.MaxSendsPerMinute, null, 0, AbuseLimits.WindowKeepUntil(budget), cancellationToken).ConfigureAwait(false))
        {
            return new GenerateOutcome(GenerateStatus.BudgetExceeded, RetryAfterSeconds: AbuseLimits.UntilClosed(budget, now));
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            if (round > 0)
            {
                state = await store.LoadAddressAsync(address, cancellationToken).ConfigureAwait(false);
                if (AbuseLimits.SendRetryAfter(state, client, now, settings) is { } raced)
                {
                    return new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: raced);
                }
            }

            // The newest code must sort last, and two codes of one address must not share a key.
            var expiresAt = Math.Max(now + settings.TtlSeconds, (state.Newest ?? 0) + 1);
            var code = new StoredCode(address, expiresAt, now, OtpCode.NewNonce(), AbuseLimits.DigitsFor(state, now, settings));
            var next = AbuseLimits.AfterSend(state, client, expiresAt, now, settings);
            var result = await store.TryIssueAsync(
                code, next, state.Version, AbuseLimits.RecordKeepUntil(next, settings), expiresAt + 3600, cancellationToken).ConfigureAwait(false);
            if (result == IssueResult.Issued)
            {
                return new GenerateOutcome(GenerateStatus.Sent, ExpiresInSeconds: settings.TtlSeconds);
            }
        }

        return new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: Math.Max(1, settings.ResendCooldownSeconds));
    }
}
