using OtpService.Core.Ports;

namespace OtpService.Core.Otp;

/// <summary>
/// SendOtpEmail's rule: mail the code of a newly inserted item once. A claim with a lease makes
/// a redelivered record send nothing, and a failed or interrupted send is retried, never lost.
/// </summary>
public sealed class OtpMailer(IOtpStore store, IEmailSender sender, OtpCode codes, OtpSettings settings, TimeProvider clock)
{
    /// <summary>Longer than one send with its timeout, so a live claim is never taken over.</summary>
    public const int ClaimLeaseSeconds = 30;

    public async Task<MailResult> MailAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        var senderAddress = settings.SenderAddress
            ?? throw new InvalidOperationException("OTP_SENDER_ADDRESS is not set.");
        await codes.RefreshAsync(neededVersion: null, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var code = await store.TryClaimMailingAsync(address, expiresAt, now, ClaimLeaseSeconds, cancellationToken).ConfigureAwait(false);
        if (code is null)
        {
            return await WhyNotClaimedAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
        }

        if (code.ExpiresAt < now)
        {
            // A code nobody can use any more is not worth a mail.
            await store.ReleaseMailingClaimAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
            return new(MailOutcome.Skipped);
        }

        // The version is recorded with the mail, so verify derives under the same key after a rotation.
        var keyVersion = codes.CurrentKeyVersion;
        var email = OtpEmail.Compose(senderAddress, address, codes.Derive(keyVersion, address, code.Nonce, code.Digits), settings);
        try
        {
            await sender.SendAsync(email, cancellationToken).ConfigureAwait(false);
        }
        catch (EmailSendException failure)
        {
            await store.ReleaseMailingClaimAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
            return new(failure.Retryable ? MailOutcome.RetryLater : MailOutcome.Rejected, failure.Message);
        }

        try
        {
            await store.MarkMailedAsync(address, expiresAt, now, keyVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // The mail is out; a retry would send it twice. The claim expires on its own.
        }

        return new(MailOutcome.Sent);
    }

    private async Task<MailResult> WhyNotClaimedAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
        // Unmailed but claimed: another invocation is sending, or died while sending. Retry after the lease.
        return current is { MailedAt: null } ? new(MailOutcome.RetryLater, "another invocation holds the mailing claim") : new(MailOutcome.Skipped);
    }
}
