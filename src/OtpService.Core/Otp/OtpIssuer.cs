using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>GenerateOtp's rule: issue a fresh code for an address unless a limit says wait.</summary>
public sealed class OtpIssuer(IOtpStore store, OtpSettings settings, TimeProvider clock)
{
    // A conflict means another request issued for the same address between our read and write;
    // re-reading then sees its send and answers with the cooldown, so a few rounds always settle.
    private const int MaxRounds = 3;

    public async Task<GenerateOutcome> IssueAsync(string address, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var now = clock.GetUtcNow().ToUnixTimeSeconds();
            var history = await store.LoadAsync(address, now - settings.HistorySeconds, cancellationToken).ConfigureAwait(false);

            if (AbuseLimits.FailureRetryAfter(history.Codes, now, settings) is { } failureWait)
            {
                return new GenerateOutcome(GenerateStatus.TooManyFailures, RetryAfterSeconds: failureWait);
            }

            if (AbuseLimits.SendRetryAfter(history.SentAt, now, settings) is { } sendWait)
            {
                return new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: sendWait);
            }

            // The newest code must sort last, and two codes of one address must not share a key.
            var expiresAt = Math.Max(now + settings.TtlSeconds, (history.Newest?.ExpiresAt ?? 0) + 1);
            var code = new StoredCode(address, expiresAt, now, OtpCode.NewNonce(), settings.CodeLength);
            var sentAt = AbuseLimits.RecentSends(history.SentAt, now);
            sentAt.Add(now);
            var keepUntil = expiresAt + settings.HistorySeconds;

            var result = await store.TryIssueAsync(code, history.Version, sentAt, keepUntil, cancellationToken).ConfigureAwait(false);
            if (result == IssueResult.Issued)
            {
                return new GenerateOutcome(GenerateStatus.Sent, ExpiresInSeconds: settings.TtlSeconds);
            }
        }

        return new GenerateOutcome(GenerateStatus.RateLimited, RetryAfterSeconds: Math.Max(1, settings.ResendCooldownSeconds));
    }
}
