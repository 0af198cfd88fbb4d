using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Aws;

/// <summary>Sends mail through the SES v2 HTTPS API (<c>POST /v2/email/outbound-emails</c>), SigV4-signed.</summary>
public sealed class SesV2EmailSender : IEmailSender
{
    /// <summary>SES v2 signs as "ses", although its endpoint host is email.{region}.amazonaws.com.</summary>
    public const string SigningService = "ses";

    private const string Operation = "SES v2 SendEmail";
    private const string Charset = "UTF-8";

    private readonly Uri sendEmailUri;
    private readonly SignedAwsHttpClient client;
    private readonly string? configurationSetName;

    /// <param name="endpoint">The service root, e.g. https://email.eu-west-1.amazonaws.com or an emulator's URL.</param>
    /// <param name="client">Signs for <see cref="SigningService"/> in the endpoint's region.</param>
    /// <param name="configurationSetName">
    /// The SES configuration set named in every send (<c>ConfigurationSetName</c>), or null for none: its
    /// reputation metrics and suppression options then apply to the mail
    /// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html).
    /// </param>
    public SesV2EmailSender(Uri endpoint, SignedAwsHttpClient client, string? configurationSetName = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        sendEmailUri = new Uri(endpoint, "/v2/email/outbound-emails");
        this.configurationSetName = configurationSetName;
    }

    /// <summary>
    /// The sender a Lambda builds once per container: endpoint from AWS_ENDPOINT_URL_SESV2, then AWS_ENDPOINT_URL,
    /// else the public one; region from AWS_REGION or AWS_DEFAULT_REGION; credentials from AWSSDK.Core's default chain;
    /// the configuration set from OTP_SES_CONFIGURATION_SET.
    /// </summary>
    /// <param name="aws">The AWS settings read at init.</param>
    /// <param name="clock">Source of the signing time (the function's clock).</param>
    /// <param name="callTimeout">Deadline for one SendEmail call; null for <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">A bad endpoint, or no region; the message names the variable.</exception>
    public static SesV2EmailSender For(AwsSettings aws, TimeProvider clock, TimeSpan? callTimeout = null)
    {
        var (endpoint, client) = AwsClientFactory.SigV4(aws, Dependency.SES, SigningService, clock, callTimeout);
        return new(endpoint, client, aws.SesConfigurationSet);
    }

    /// <exception cref="DependencyException">SES did not take the mail (<see cref="FailureKind"/> says whether to retry, drop or alarm).</exception>
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var body = JsonSerializer.SerializeToUtf8Bytes(Request(email), SesJsonContext.Default.SesSendEmailRequest);
        // A failure is SES's (AwsFailureClassifier's SES table): its message names status, error type and reason only, never the mail.
        await client.PostAsync(Operation, sendEmailUri, body, "application/json", [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// SES's FromEmailAddress: the bare address, or with a display name an RFC 5322 mailbox
    /// <c>Name &lt;address&gt;</c> whose name MimeKit quotes, and RFC 2047-encodes when it is not ASCII
    /// (SES requires encoded-words there: SES v2 API reference, SendEmail, FromEmailAddress).
    /// The address part is passed unchanged.
    /// </summary>
    public static string FromHeader(OutgoingEmail email)
    {
        ArgumentNullException.ThrowIfNull(email);
        if (email.FromName is not { Length: > 0 } name)
        {
            return email.From;
        }

        // International off: a non-ASCII name becomes encoded-words, never raw UTF-8 in the header.
        var options = MimeKit.FormatOptions.Default.Clone();
        options.International = false;
        return new MimeKit.MailboxAddress(name, email.From).ToString(options, encode: true);
    }

    private SesSendEmailRequest Request(OutgoingEmail email) =>
        new(
            FromHeader(email),
            new SesDestination([email.To]),
            new SesEmailContent(new SesSimpleMessage(
                new SesContent(email.Subject, Charset),
                new SesBody(new SesContent(email.HtmlBody, Charset), new SesContent(email.TextBody, Charset)))),
            configurationSetName);
}
