namespace OtpService.Core.Aws;

// The request body of SES v2 SendEmail (POST /v2/email/outbound-emails), named as AWS names it.

internal sealed record SesSendEmailRequest(string FromEmailAddress, SesDestination Destination, SesEmailContent Content, string? ConfigurationSetName);

internal sealed record SesDestination(IReadOnlyList<string> ToAddresses);

internal sealed record SesEmailContent(SesSimpleMessage Simple);

internal sealed record SesSimpleMessage(SesContent Subject, SesBody Body);

internal sealed record SesBody(SesContent Html, SesContent Text);

internal sealed record SesContent(string Data, string Charset);
