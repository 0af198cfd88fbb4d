
namespace OtpService.Core.Rules;

/// <summary>
/// VerifyOtp's rule, in the seed's order (unknown, then expired, then compare) with the checks
/// the seed lacked: one use per code; per code, a limit of wrong guesses per client and a larger
/// one for all clients together (so one client cannot kill someone else's code); per client, a
/// limit of failed verifications per hour, taken before the compare so a limited client learns
/// nothing. Only the newest code of an address counts; a genuine earlier one is answered
/// "superseded" and not counted (<see cref="SupersededCodes"/>); a verification id, when given, must
/// be the newest code's (<see cref="VerificationId"/>). Reads the address record and the newest
/// code in one query; where the store has transactions (<see cref="IOtpStore.CountsInTransactions"/>),
/// the client's failure count rides in the verification's one write, so a verify is two requests. The newest code is derived under the key version its mail recorded. A
/// right code earns a signed token when a token issuer is given; it is signed before the code
/// is consumed, so a signing failure leaves the code usable.
/// </summary>
public sealed class OtpVerifier(IOtpStore store, CodeDerivation derivation, OtpSettings settings, TimeProvider clock, ClientTagger tagger)
{
    /// <summary>The one clock of the function (the composition's TimeProvider): the rule's "now", and the invocation's deadline.</summary>
    public TimeProvider Clock => clock;

    /// <summary>Verifies without issuing a token (the seed's bare "Verified").</summary>
    public Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, string? clientId, CancellationToken cancellationToken) =>
        VerifyAsync(address, submittedCode, verificationId: null, clientId, tokens: null, cancellationToken);

    /// <summary>Verifies without a verification id (the seed's behaviour), issuing a token when <paramref name="tokens"/> is given.</summary>
    public Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, string? clientId, ITokenIssuer? tokens, CancellationToken cancellationToken) =>
        VerifyAsync(address, submittedCode, verificationId: null, clientId, tokens, cancellationToken);

    /// <param name="address">The normalized address.</param>
    /// <param name="submittedCode">The code as ASCII digits (already checked by <see cref="SubmittedCode"/>).</param>
    /// <param name="verificationId">
    /// The id generate returned (already checked by <see cref="VerificationId.TryParse"/>), or null.
    /// Given, it must be the newest code's, or the answer is <see cref="VerifyStatus.VerificationIdMismatch"/>
    /// before the code is compared (so a mismatch says nothing of the code and is no guess).
    /// </param>
    /// <param name="clientId">The caller as the API saw it (source IP or the configured header); null when unknown.</param>
    /// <param name="tokens">Signs the proof of a successful verification; null: no token.</param>
    /// <param name="cancellationToken">Cancels storage and signing calls.</param>
    /// <exception cref="DependencyException">Storage failed, or the code was right but the token could not be signed (the code is still unused).</exception>
    public async Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, string? verificationId, string? clientId, ITokenIssuer? tokens, CancellationToken cancellationToken)
    {
        var client = await tagger.ClientAsync(clientId, cancellationToken).ConfigureAwait(false);
        await derivation.RefreshAsync(neededVersion: null, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var window = AbuseLimits.ClientWindow(client, now);
        var requestToken = IdempotencyToken.New();
        var failure = new WindowCount(window, WindowCounter.Failures, requestToken, settings.ClientMaxFailuresPerHour, null, 0, AbuseLimits.WindowKeepUntil(window));
        // Every verification counts as a failure until its code proves right (then it is taken
        // back), so a client at its limit is refused before its code is compared. Where the store
        // has transactions the count rides in the verification's one write (and a right code's
        // write only checks the window's room); answers decided from the read alone count it on their own.
        var folded = store.CountsInTransactions;
        var loading = store.LoadNewestAsync(address, cancellationToken);
        var counting = folded ? null : CountFailureAsync();
        await Task.WhenAll(loading, counting ?? Task.CompletedTask).ConfigureAwait(false);
        var read = await loading.ConfigureAwait(false);
        if (counting is not null && !await counting.ConfigureAwait(false))
        {
            return Limited();
        }

        if (read.State.Newest is not { } newest || read.Code is not { } code)
        {
            return await CountedAsync(new VerifyOutcome(VerifyStatus.NotFound)).ConfigureAwait(false);
        }

        // A code item older than the record's newest is a superseded code: it cannot verify.
        var isNewest = code.ExpiresAt == newest;
        // Decided first, from the id alone: the holder of another request's id learns nothing of the
        // newest code's state or value, and no code is judged, so nothing counts as a guess.
        if (verificationId is not null && !(isNewest && VerificationId.Belongs(verificationId, code.VerificationIdHash)))
        {
            return await CountedAsync(new VerifyOutcome(VerifyStatus.VerificationIdMismatch)).ConfigureAwait(false);
        }

        if (Judge(read.State, client, now) is { } settled)
        {
            return await CountedAsync(settled).ConfigureAwait(false);
        }

        // The newest code is derived under the key its mail was derived under (a rotation since
        // leaves it valid while that key is AWSCURRENT or AWSPREVIOUS); no version: not marked
        // mailed (mailed before versions were recorded, or the mark was lost), so the current key.
        bool? matched = false;
        if (isNewest)
        {
            if (code.KeyVersion is { } keyVersion)
            {
                // Mailed under a key this copy may not hold yet (rotated, or seen first by SendOtpEmail).
                await derivation.RefreshAsync(keyVersion, cancellationToken).ConfigureAwait(false);
            }

            // Null: the version is in neither stage (rotated twice within the code's lifetime); fails safe as a wrong code.
            matched = derivation.MatchesRecorded(code.KeyVersion, address, code.Nonce, code.Digits, submittedCode);
        }

        if (matched == true)
        {
            var token = tokens is null ? null : await tokens.IssueAsync(new VerifiedAddress(address, now), cancellationToken).ConfigureAwait(false);
            // A right code is no failure even if a concurrent request used it first (whoever sent
            // it knew the code; nothing was guessed), so the count is given back alongside the mark.
            var owners = AbuseLimits.OwnersAfterSuccess(read.State, client, now);
            if (folded)
            {
                var marked = await store.TryMarkUsedCountedAsync(
                    address, newest, client, settings.MaxAttempts, settings.MaxAttemptsAllClients, now, owners, requestToken, failure, cancellationToken).ConfigureAwait(false);
                return marked switch
                {
                    CountedWriteStatus.Applied => new VerifyOutcome(VerifyStatus.Verified, Token: token),
                    CountedWriteStatus.WindowFull => Limited(),
                    _ => await ReJudgeAsync(address, newest, client, now, matched: true, cancellationToken).ConfigureAwait(false),
                };
            }

            var marking = store.TryMarkUsedAsync(
                address, newest, client, settings.MaxAttempts, settings.MaxAttemptsAllClients, now, owners, requestToken, cancellationToken);
            var uncounting = store.UncountAsync(window, WindowCounter.Failures, requestToken, cancellationToken);
            await Task.WhenAll(marking, uncounting).ConfigureAwait(false);
            if (await marking.ConfigureAwait(false))
            {
                return new VerifyOutcome(VerifyStatus.Verified, Token: token);
            }

            // The failure count was already given back alongside the mark.
            return await ReJudgeAsync(address, newest, client, now, matched: true, cancellationToken).ConfigureAwait(false);
        }

        if (SupersededCodes.IsEarlierCode(derivation, address, read.State, newest, now, submittedCode))
        {
            // Proof of the mailbox, not a guess: counted neither against the code nor against the
            // client (folded, counted only to learn whether the client is limited, then given back).
            if (folded && !await CountFailureAsync().ConfigureAwait(false))
            {
                return Limited();
            }

            await store.UncountAsync(window, WindowCounter.Failures, requestToken, cancellationToken).ConfigureAwait(false);
            return new VerifyOutcome(VerifyStatus.Superseded);
        }

        var unknownKey = matched is null ? KeyVersionUnknown : null;
        if (folded)
        {
            var guess = await store.TryRecordWrongGuessCountedAsync(
                address, newest, client, settings.MaxAttempts, settings.MaxAttemptsAllClients, now, read.State.GuessesBy(client), requestToken, failure, cancellationToken).ConfigureAwait(false);
            return guess.Status switch
            {
                CountedWriteStatus.Applied => new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: Math.Max(0, settings.MaxAttempts - guess.Guesses)) { Note = unknownKey },
                CountedWriteStatus.WindowFull => Limited(),
                // Nothing was written: the verification still counts as a failure of the client.
                _ => await CountedAsync(await ReJudgeAsync(address, newest, client, now, matched: false, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false),
            };
        }

        var guesses = await store.TryRecordWrongGuessAsync(address, newest, client, settings.MaxAttempts, settings.MaxAttemptsAllClients, now, requestToken, cancellationToken).ConfigureAwait(false);
        return guesses is { } counted
            ? new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: Math.Max(0, settings.MaxAttempts - counted)) { Note = unknownKey }
            : await ReJudgeAsync(address, newest, client, now, matched: false, cancellationToken).ConfigureAwait(false);

        VerifyOutcome Limited() => new(VerifyStatus.ClientLimited, RetryAfterSeconds: AbuseLimits.UntilClosed(window, now));

        Task<bool> CountFailureAsync() => store.TryCountAsync(
            failure.Window, failure.Counter, failure.Token, failure.Limit, failure.Member, failure.MemberLimit, failure.KeepUntil, cancellationToken);

        // Folded, an answer the read decided counts the failure now (unfolded, it was counted beside the read).
        async Task<VerifyOutcome> CountedAsync(VerifyOutcome outcome) =>
            !folded || await CountFailureAsync().ConfigureAwait(false) ? outcome : Limited();
    }

    /// <summary>The log note of a wrong code whose recorded key version the key ring no longer holds (never the code).</summary>
    public const string KeyVersionUnknown = "key_version_unknown";

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
    /// <param name="matched">The submitted code was the one that was newest when read.</param>
    private async Task<VerifyOutcome> ReJudgeAsync(string address, long newest, string client, long now, bool matched, CancellationToken cancellationToken)
    {
        var current = (await store.LoadNewestAsync(address, cancellationToken).ConfigureAwait(false)).State;
        if (current.Newest != newest)
        {
            // A newer code was issued meanwhile: a right code is now an earlier mail's; a wrong one stays wrong (uncounted).
            return matched
                ? new VerifyOutcome(VerifyStatus.Superseded)
                : new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: Math.Max(0, settings.MaxAttempts - current.GuessesBy(client)));
        }

        return Judge(current, client, now) ?? new VerifyOutcome(VerifyStatus.AlreadyUsed);
    }
}
