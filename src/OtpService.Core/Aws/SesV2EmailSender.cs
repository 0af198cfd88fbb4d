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

    /// <param name="endpoint">The service root, e.g. https://email.eu-west-1.amazonaws.com or an emulator's URL.</param>
    /// <param name="client">Signs for <see cref="SigningService"/> in the endpoint's region.</param>
    public SesV2EmailSender(Uri endpoint, SignedAwsHttpClient client)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        sendEmailUri = new Uri(endpoint, "/v2/email/outbound-emails");
    }

    /// <summary>
    /// The sender a Lambda builds once per container: endpoint from AWS_ENDPOINT_URL_SESV2, then AWS_ENDPOINT_URL,
    /// else the public one; region from AWS_REGION or AWS_DEFAULT_REGION; credentials from AWSSDK.Core's default chain.
    /// </summary>
    /// <param name="aws">The AWS settings read at init.</param>
    /// <param name="callTimeout">Deadline for one SendEmail call; null for <see cref="SignedAwsHttpClient.DefaultTimeout"/>.</param>
    /// <exception cref="InvalidOperationException">A bad endpoint, or no region; the message names the variable.</exception>
    public static SesV2EmailSender For(AwsSettings aws, TimeSpan? callTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(aws);
        return new(AwsEndpoints.SesV2(aws),
            new SignedAwsHttpClient(new AwsRequestSigner(SigningService, aws.RequireRegion()), timeout: callTimeout));
    }

    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var body = JsonSerializer.SerializeToUtf8Bytes(Request(email), SesJsonContext.Default.SesSendEmailRequest);
        try
        {
            await client.PostAsync(Operation, sendEmailUri, body, "application/json", [], cancellationToken)
                .ConfigureAwait(false);
        }
        catch (AwsCallException exception)
        {
            // The AWS failure's message names status and error type only; the mail (and its code) never appears.
            var reason = SesErrorClassification.Reason(exception);
            throw new EmailSendException(
                reason is null ? exception.Message : $"{exception.Message} {char.ToUpperInvariant(reason[0])}{reason[1..]}.",
                SesErrorClassification.Classify(exception),
                exception.ErrorType,
                exception);
        }
    }

    private static SesSendEmailRequest Request(OutgoingEmail email) =>
        new(
            email.From,
            new SesDestination([email.To]),
            new SesEmailContent(new SesSimpleMessage(
                new SesContent(email.Subject, Charset),
                new SesBody(new SesContent(email.HtmlBody, Charset), new SesContent(email.TextBody, Charset)))));
}
