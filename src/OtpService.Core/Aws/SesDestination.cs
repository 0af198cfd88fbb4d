namespace OtpService.Core.Aws;

// The request body of SES v2 SendEmail (POST /v2/email/outbound-emails), named as AWS names it.

internal sealed record SesDestination(IReadOnlyList<string> ToAddresses);
