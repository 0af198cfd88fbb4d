using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>
/// VerifyOtp's rule, in the seed's order (unknown, then expired, then compare) with the checks
/// the seed lacked: one use per code, a per-code attempt limit and a per-address failure cap.
/// Only the newest code of an address counts. A right code earns a signed token when a token
/// issuer is given; it is signed before the code is consumed, so a signing failure leaves the code usable.
/// </summary>
public sealed class OtpVerifier(IOtpStore store, OtpCode codes, OtpSettings settings, TimeProvider clock)
{
    /// <summary>Verifies without issuing a token (the seed's bare "Verified").</summary>
    public Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, CancellationToken cancellationToken) =>
        VerifyAsync(address, submittedCode, tokens: null, cancellationToken);

    /// <param name="address">The normalized address.</param>
    /// <param name="submittedCode">The code as the caller typed it (already checked to be digits of the right length).</param>
    /// <param name="tokens">Signs the proof of a successful verification; null: no token.</param>
    /// <param name="cancellationToken">Cancels storage and signing calls.</param>
    /// <exception cref="StoreUnavailableException">Storage failed.</exception>
    /// <exception cref="TokenSigningUnavailableException">The code was right but the token could not be signed; the code is still unused.</exception>
    public async Task<VerifyOutcome> VerifyAsync(string address, string submittedCode, ITokenIssuer? tokens, CancellationToken cancellationToken)
    {
        await codes.RefreshAsync(neededVersion: null, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var history = await store.LoadAsync(address, now - settings.HistorySeconds, cancellationToken).ConfigureAwait(false);

        if (AbuseLimits.FailureRetryAfter(history.Codes, now, settings) is { } failureWait)
        {
            return new VerifyOutcome(VerifyStatus.TooManyAttempts, RetryAfterSeconds: failureWait);
        }

        if (history.Newest is not { } code)
        {
            return new VerifyOutcome(VerifyStatus.NotFound);
        }

        if (Judge(code, now) is { } settled)
        {
            return settled;
        }

        if (codes.Matches(address, code.Nonce, code.Digits, submittedCode))
        {
            var token = tokens is null ? null : await tokens.IssueAsync(new VerifiedAddress(address, now), cancellationToken).ConfigureAwait(false);
            var used = await store.TryMarkUsedAsync(address, code.ExpiresAt, settings.MaxAttempts, now, cancellationToken).ConfigureAwait(false);
            return used ? new VerifyOutcome(VerifyStatus.Verified, Token: token) : await ReJudgeAsync(code, now, cancellationToken).ConfigureAwait(false);
        }

        var attempts = await store.TryRecordWrongGuessAsync(address, code.ExpiresAt, settings.MaxAttempts, now, cancellationToken).ConfigureAwait(false);
        return attempts is { } counted
            ? new VerifyOutcome(VerifyStatus.WrongCode, AttemptsRemaining: Math.Max(0, settings.MaxAttempts - counted))
            : await ReJudgeAsync(code, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The answer a code's state alone decides, or null when the submitted code must be compared.</summary>
    private VerifyOutcome? Judge(StoredCode code, long now)
    {
        if (code.ExpiresAt < now)
        {
            return new VerifyOutcome(VerifyStatus.Expired);
        }

        if (code.UsedAt is not null)
        {
            return new VerifyOutcome(VerifyStatus.AlreadyUsed);
        }

        return code.Attempts >= settings.MaxAttempts ? new VerifyOutcome(VerifyStatus.TooManyAttempts) : null;
    }

    /// <summary>Our conditional write lost to a concurrent one: read the code again and answer from its new state.</summary>
    private async Task<VerifyOutcome> ReJudgeAsync(StoredCode code, long now, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(code.Address, code.ExpiresAt, cancellationToken).ConfigureAwait(false);
        return current is null
            ? new VerifyOutcome(VerifyStatus.NotFound)
            : Judge(current, now) ?? new VerifyOutcome(VerifyStatus.AlreadyUsed);
    }
}
