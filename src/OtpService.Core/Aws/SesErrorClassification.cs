using System.Net;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>
/// The one place that decides what an SES v2 SendEmail failure means for the mail (README, "Why
/// mail fails", lists this table with its sources):
/// <list type="bullet">
/// <item>throttling, 5xx, timeouts, connection failures and the codes botocore's standard retry mode
/// retries (<c>RequestTimeoutException</c>, <c>PriorRequestNotComplete</c>, ...) are
/// <see cref="DeliveryFailureClass.Transient"/>;</item>
/// <item>a refusal about this message's recipient (<c>BadRequestException</c> / <c>InvalidParameterValue</c>
/// naming the address, <c>MessageRejected</c> for anything but an unverified identity) is
/// <see cref="DeliveryFailureClass.Undeliverable"/>;</item>
/// <item>everything else, and every unknown 4xx, is <see cref="DeliveryFailureClass.Configuration"/>:
/// an operator must act, so such a failure is never dropped silently.</item>
/// </list>
/// The sandbox's "Email address is not verified" refusal of a recipient is Configuration, not
/// Undeliverable: the address is fine, the account is not yet allowed to mail it
/// (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html).
/// </summary>
public static class SesErrorClassification
{
    /// <summary>The account or the deployment is wrong; the codes SES v2 and the AWS common errors document.</summary>
    private static readonly HashSet<string> ConfigurationErrors = new(StringComparer.Ordinal)
    {
        // SES v2 SendEmail (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html)
        "AccountSuspendedException", "SendingPausedException", "MailFromDomainNotVerifiedException", "NotFoundException",
        // Common errors (https://docs.aws.amazon.com/ses/latest/APIReference-V2/CommonErrors.html)
        "AccessDeniedException", "AccessDenied", "InvalidClientTokenId", "UnrecognizedClientException",
        "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature", "IncompleteSignatureException",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "ExpiredToken", "ExpiredTokenException",
        "RequestExpired", "InvalidAccessKeyId", "AuthFailure", "OptInRequired", "NotAuthorized",
        AwsErrorType.NoCredentials,
    };

    /// <summary>The request was refused as malformed; undeliverable when the refusal is about the address.</summary>
    private static readonly HashSet<string> BadRequestErrors = new(StringComparer.Ordinal)
    {
        "BadRequestException", "InvalidParameterValue", "ValidationException",
    };

    /// <summary>The class of <paramref name="failure"/>; its service message is read here and nowhere else.</summary>
    public static DeliveryFailureClass Classify(AwsCallException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var type = failure.ErrorType;
        var text = failure.ServiceMessage ?? "";

        if (type is AwsErrorType.Timeout or AwsErrorType.ConnectionFailure || AwsErrorType.IsRetryableCode(type))
        {
            // A daily quota is not lifted by the stream's retries within minutes: the account needs a higher quota.
            return IsDailyQuota(text) ? DeliveryFailureClass.Configuration : DeliveryFailureClass.Transient;
        }

        if (type is not null && ConfigurationErrors.Contains(type))
        {
            return DeliveryFailureClass.Configuration;
        }

        if (type == "MessageRejected")
        {
            // "Email address is not verified. The following identities failed the check in region ...":
            // the sender, or (in the sandbox) the recipient, is not a verified identity. Any other
            // rejection refuses this message itself.
            return text.Contains("not verified", StringComparison.OrdinalIgnoreCase)
                ? DeliveryFailureClass.Configuration
                : DeliveryFailureClass.Undeliverable;
        }

        if (type is not null && BadRequestErrors.Contains(type))
        {
            return IsAboutTheAddress(text) ? DeliveryFailureClass.Undeliverable : DeliveryFailureClass.Configuration;
        }

        return failure.StatusCode switch
        {
            HttpStatusCode.TooManyRequests => DeliveryFailureClass.Transient,
            { } status when (int)status >= 500 => DeliveryFailureClass.Transient,
            null when type is null => DeliveryFailureClass.Transient,
            _ => DeliveryFailureClass.Configuration,
        };
    }

    /// <summary>A short reason to log with the error type; never the service's message itself (it may quote the address).</summary>
    public static string? Reason(AwsCallException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var text = failure.ServiceMessage ?? "";
        return failure.ErrorType switch
        {
            "MessageRejected" when text.Contains("not verified", StringComparison.OrdinalIgnoreCase) =>
                "an identity is not verified in this region (the sender, or in the SES sandbox the recipient)",
            _ when IsDailyQuota(text) => "the account's daily sending quota is used up",
            { } type when BadRequestErrors.Contains(type) && IsAboutTheAddress(text) => "SES refused the recipient address",
            _ => null,
        };
    }

    private static bool IsDailyQuota(string text) => text.Contains("quota", StringComparison.OrdinalIgnoreCase);

    // Real answers: "Illegal address", "Invalid email address .", moto's "Missing domain".
    private static bool IsAboutTheAddress(string text) =>
        text.Contains("address", StringComparison.OrdinalIgnoreCase) || text.Contains("domain", StringComparison.OrdinalIgnoreCase);
}
