
namespace OtpService.Core.Rules;

/// <summary>
/// SendOtpEmail's rule: mail the code of a newly inserted item once. A claim with a lease makes
/// a redelivered record send nothing, and a failed or interrupted send is retried, never lost.
/// </summary>
public sealed class OtpMailer(IOtpStore store, IEmailSender sender, CodeDerivation derivation, OtpSettings settings, TimeProvider clock)
{
    /// <summary>The one clock of the function (the composition's TimeProvider): the rule's "now", and the invocation's deadline.</summary>
    public TimeProvider Clock => clock;

    /// <summary>The settings the mailer works with (the stream handler reads the function's timeout from them).</summary>
    public OtpSettings Settings => settings;

    /// <summary>
    /// How long a claim keeps other invocations away: the sender's function timeout. No invocation
    /// outlives its timeout, so an older claim belongs to one that is gone (a live claim is never
    /// taken over, so a mail in flight is never sent twice), and a claim left by a crash frees the
    /// record as soon as no invocation could still be sending it.
    /// </summary>
    public int ClaimLeaseSeconds => settings.FunctionTimeoutSeconds;

    public async Task<MailResult> MailAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        var senderAddress = settings.SenderAddress
            ?? throw new InvalidOperationException("OTP_SENDER_ADDRESS is not set.");
        await derivation.RefreshAsync(neededVersion: null, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var code = await store.TryClaimMailingAsync(address, expiresAt, now, ClaimLeaseSeconds, IdempotencyToken.New(), cancellationToken).ConfigureAwait(false);
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

        // The lifetime the mail states is the stored code's own (it differs from OTP_TTL_SECONDS
        // while a stack update changes the TTL, and for a code pushed past its predecessor's expiry).
        // The key version is recorded with the mail, so verify derives under the same key after a rotation.
        var keyVersion = derivation.CurrentKeyVersion;
        var email = OtpEmail.Compose(senderAddress, address, derivation.Derive(keyVersion, address, code.Nonce, code.Digits), code.ExpiresAt - code.CreatedAt, settings, code.Locale,
            requestedAt: DateTimeOffset.FromUnixTimeSeconds(code.CreatedAt));
        try
        {
            await sender.SendAsync(email, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyException failure)
        {
            await store.ReleaseMailingClaimAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
            return new(MailOutcome.Failed, failure.Kind, failure.Message, failure.ErrorType);
        }

        try
        {
            await store.MarkMailedAsync(address, expiresAt, now, keyVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyException)
        {
            // The mail is out; a retry would send it twice. The claim expires on its own.
        }

        return new(MailOutcome.Sent);
    }

    private async Task<MailResult> WhyNotClaimedAsync(string address, long expiresAt, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(address, expiresAt, cancellationToken).ConfigureAwait(false);
        // Unmailed but claimed: another invocation is sending, or died while sending. Retry after the lease.
        return current is { MailedAt: null } ? new(MailOutcome.ClaimHeld, Error: "another invocation holds the mailing claim") : new(MailOutcome.Skipped);
    }
}
