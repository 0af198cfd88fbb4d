namespace OtpService.Core.Lambda;

/// <summary>The request field names, as the seed named them.</summary>
public static class OtpFields
{
    public const string EmailAddress = "email_address";
    public const string Otp = "otp";

    /// <summary>Verify's optional binding to the generate request (DESIGN.md); generate's answer names it <c>verificationId</c>.</summary>
    public const string VerificationId = "verification_id";

    /// <summary>Generate's optional language of the mail, a BCP 47 tag (RFC 5646); see <see cref="Rules.MailLocale"/>.</summary>
    public const string Locale = "locale";
}
