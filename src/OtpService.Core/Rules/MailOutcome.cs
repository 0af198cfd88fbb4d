namespace OtpService.Core.Rules;

/// <summary>What SendOtpEmail did with one code item.</summary>
public enum MailOutcome
{
    Sent,
    /// <summary>Already mailed (a redelivered record), or the item is gone or expired: nothing to send.</summary>
    Skipped,
    /// <summary>Another invocation holds the mailing claim: retry the record after the claim's lease.</summary>
    ClaimHeld,
    /// <summary>The provider did not take the mail; <see cref="MailResult.FailureKind"/> says whether to retry, drop or alarm.</summary>
    Failed,
}
