using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>
/// VerifyOtp's rule, in the seed's order (unknown, then expired, then compare) with the checks
/// the seed lacked: one use per code; per code, a limit of wrong guesses per client and a larger
/// one for all clients together (so one client cannot kill someone else's code); per client, a
/// limit of failed verifications per hour, taken before the compare so a limited client learns
/// nothing. Only the newest code of an address counts. Reads the address record and the newest
/// code in one query. A right code earns a signed token when a token issuer is given; it is
/// signed before the code is consumed, so a signing failure leaves the code usable.
/// </summary>
public sealed class OtpVerifier(IOtpStore store, OtpCode codes, OtpSettings settings, TimeProvider clock, ClientTagger tagger)
{
    /// <summary>Verifies without issuing a token (the seed's bare "Verified").</summary>
    public Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, string? clientId, CancellationToken cancellationToken) =>
        VerifyAsync(address, submittedCode, clientId, tokens: null, cancellationToken);

    /// <param name="address">The normalized address.</param>
    /// <param name="submittedCode">The code as ASCII digits (already checked by <see cref="SubmittedCode"/>).</param>
    /// <param name="clientId">The caller as the API saw it (source IP or the configured header); null when unknown.</param>
    /// <param name="tokens">Signs the proof of a successful verification; null: no token.</param>
    /// <param name="cancellationToken">Cancels storage and signing calls.</param>
    /// <exception cref="StoreUnavailableException">Storage failed.</exception>
    /// <exception cref="TokenSigningUnavailableException">The code was right but the token could not be signed; the code is still unused.</exception>
    public async Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, string? clientId, ITokenIssuer? tokens, CancellationToken cancellationToken)
    {
        var client = tagger.Client(clientId);
        await codes.RefreshAsync(neededVersion: null, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var window = AbuseLimits.ClientWindow(client, now);
        var countToken = IdempotencyToken.New();
        // Every verification counts as a failure until its code proves right (then it is taken
        // back), so a client at its limit is refused before its code is compared.
        var loading = store.LoadNewestAsync(address, cancellationToken);
        var counting = store.TryCountAsync(
            window, WindowCounter.Failures, countToken, settings.ClientMaxFailuresPerHour, null, 0, AbuseLimits.WindowKeepUntil(window), cancellationToken);
        await Task.WhenAll(loading, counting).ConfigureAwait(false);
        var read = await loading.ConfigureAwait(false);
        if (!await counting.ConfigureAwait(false))
        {
            return new VerifyOutcome(VerifyStatus.ClientLimited, RetryAfterSeconds: AbuseLimits.UntilClosed(window, now));
        }

        if (read.State.Newest is not { } newest || read.Code is not { } code)
        {
            return new VerifyOutcome(VerifyStatus.NotFound);
        }

        if (Judge(read.State, client, now) is { } settled)
        {
            return settled;
        }

        // A code item older than the record's newest is a superseded code: it cannot verify.
        if (code.ExpiresAt == newest && codes.Matches(address, code.Nonce, code.Digits, submittedCode))
        {
            var token = tokens is null ? null : await tokens.IssueAsync(new VerifiedAddress(address, now), cancellationToken).ConfigureAwait(false);
            // A right code is no failure even if a concurrent request used it first (whoever sent
            // it knew the code; nothing was guessed), so the count is given back alongside the mark.
            var marking = store.TryMarkUsedAsync(
                address, newest, client, settings.MaxAttempts, settings.MaxAttemptsAllClients, now, AbuseLimits.OwnersAfterSuccess(read.State, client, now), cancellationToken);
            var uncounting = store.UncountAsync(window, WindowCounter.Failures, countToken, cancellationToken);
            await Task.WhenAll(marking, uncounting).ConfigureAwait(false);
            if (await marking.ConfigureAwait(false))
            {
                return new VerifyOutcome(VerifyStatus.Verified, Token: token);
            }

            return await ReJudgeAsync(address, newest, client, now, cancellationToken).ConfigureAwait(false);
        }

        var guesses = await store.TryRecordWrongGuessAsync(address, newest, client, settings.MaxAttempts, settings.MaxAttemptsAllClients, now, cancellationToken).ConfigureAwait(false);
        return guesses is { } counted
            ? new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: Math.Max(0, settings.MaxAttempts - counted))
            : await ReJudgeAsync(address, newest, client, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The answer the address record alone decides, or null when the submitted code must be compared.</summary>
    private VerifyOutcome? Judge(AddressState state, string client, long now)
    {
        if (state.Newest < now)
        {
            return new VerifyOutcome(VerifyStatus.Expired);
        }

        if (state.UsedAt is not null)
        {
            return new VerifyOutcome(VerifyStatus.AlreadyUsed);
        }

        // Other clients' wrong guesses do not block an owner (its own tries still count).
        return state.GuessesBy(client) >= settings.MaxAttempts || (state.Attempts >= settings.MaxAttemptsAllClients && !AbuseLimits.IsOwner(state, client, now))
            ? new VerifyOutcome(VerifyStatus.TooManyAttempts)
            : null;
    }

    /// <summary>Our conditional write lost to a concurrent one (or a newer code): read again and answer from the new state.</summary>
    private async Task<VerifyOutcome> ReJudgeAsync(string address, long newest, string client, long now, CancellationToken cancellationToken)
    {
        var current = (await store.LoadNewestAsync(address, cancellationToken).ConfigureAwait(false)).State;
        if (current.Newest != newest)
        {
            // A newer code was issued meanwhile: the submitted one is not the newest's.
            return new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: Math.Max(0, settings.MaxAttempts - current.GuessesBy(client)));
        }

        return Judge(current, client, now) ?? new VerifyOutcome(VerifyStatus.AlreadyUsed);
    }
}
