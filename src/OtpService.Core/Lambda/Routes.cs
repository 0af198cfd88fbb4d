using OtpService.Core.Rules;
using OtpService.Core.Tokens;

namespace OtpService.Core.Lambda;

/// <summary>
/// The API's routes (generate, verify, the JWKS): check the fields, call the rule, pick the response.
/// Not URLs: the AWS services' endpoint URLs are the SDK's (AwsClientFactory) and the local runner's ServiceEndpoints.
/// </summary>
public static class Routes
{
    /// <summary>Where the token keys are published (RFC 8615 well-known location; answered by VerifyOtp).</summary>
    public const string JwksPath = "/.well-known/jwks.json";

    /// <summary>
    /// VerifyOtp's two routes: <see cref="JwksPath"/> answers the JWKS; /otp/verify checks the code and,
    /// when it is right, returns a token whose <c>iss</c> is the configured issuer or this API's URL.
    /// </summary>
    public static async Task<ApiResponse> VerifyAsync(OtpVerifier verifier, OtpSettings settings, IdentityTokens tokens, ApiGatewayRequest request, RequestFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(request);
        return IsJwksRequest(request)
            ? ApiResponses.Jwks(await tokens.GetJwksAsync(cancellationToken).ConfigureAwait(false))
            : await VerifyAsync(verifier, settings, fields, tokens.For(IssuerFor(request, tokens.Settings)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The token's <c>iss</c>: OTP_TOKEN_ISSUER when set, else the base URL this request came in on,
    /// https://{requestContext.domainName}/{stage} (no stage path for HTTP API's $default stage), which is
    /// the template's ApiBaseUrl output without its trailing slash. Set OTP_TOKEN_ISSUER behind a custom
    /// domain whose base path does not repeat the stage.
    /// </summary>
    /// <exception cref="InvalidOperationException">No issuer configured and the event names no domain.</exception>
    public static string IssuerFor(ApiGatewayRequest request, TokenSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Issuer is { } configured)
        {
            return configured;
        }

        var domain = request.RequestContext?.DomainName;
        if (string.IsNullOrWhiteSpace(domain))
        {
            throw new InvalidOperationException($"The event names no requestContext.domainName; set {TokenSettings.IssuerVariable}.");
        }

        var stage = request.RequestContext?.Stage;
        return stage is null or "" or "$default" ? $"https://{domain}" : $"https://{domain}/{stage}";
    }

    /// <summary>True for GET /.well-known/jwks.json in either payload format.</summary>
    public static bool IsJwksRequest(ApiGatewayRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resource = request.Resource ?? request.RequestContext?.ResourcePath ?? request.RouteKey?.Split(' ', 2)[^1] ?? request.RawPath ?? request.Path;
        return string.Equals(resource, JwksPath, StringComparison.Ordinal);
    }

    public static async Task<ApiResponse> GenerateAsync(OtpIssuer issuer, OtpSettings settings, RequestFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(fields);
        if (!settings.GenerateAllowsGet && fields.Method == "GET")
        {
            // A GET that sends mail can be fired by any web page (an <img> tag); see README.
            return ApiResponses.Invalid(new InvalidRequest("method", "GET is not allowed for generate on this deployment; use POST"));
        }

        if (ReadAddress(fields, out var address) is { } invalid)
        {
            return invalid;
        }

        // An empty field is no choice (a form's unset select); anything else must be a well-formed tag.
        var requested = fields[OtpFields.Locale]?.Trim() is { Length: > 0 } tag ? tag : null;
        if (requested is not null && !MailLocale.IsWellFormed(requested))
        {
            return ApiResponses.Invalid(new InvalidRequest(OtpFields.Locale, $"must be a BCP 47 language tag (RFC 5646) such as en, pt-BR or zh-Hans, of at most {MailLocale.MaxTagLength} characters"));
        }

        var locale = MailLocale.Choose(requested, RequestFields.Header(fields.Request, "accept-language"), settings.DefaultLocale);
        var client = CallerIdentity.ClientId(fields.Request, settings.ClientIpHeader);
        return ApiResponses.For(await issuer.IssueAsync(address, client, locale, cancellationToken).ConfigureAwait(false));
    }

    /// <param name="verifier">The rule.</param>
    /// <param name="settings">Code length.</param>
    /// <param name="fields">email_address, otp and the optional verification_id.</param>
    /// <param name="tokens">Issues the token of a 200.</param>
    /// <param name="cancellationToken">Cancels storage and signing.</param>
    public static async Task<ApiResponse> VerifyAsync(OtpVerifier verifier, OtpSettings settings, RequestFields fields, ITokenIssuer tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(fields);
        if (ReadAddress(fields, out var address) is { } invalid)
        {
            return invalid;
        }

        // Checked before the store is read: a malformed code never counts as a wrong guess.
        if (SubmittedCode.TryNormalize(fields[OtpFields.Otp], settings.AcceptedCodeLengths, out var reason, fields.IsJsonNumber(OtpFields.Otp)) is not { } code)
        {
            return ApiResponses.Invalid(new InvalidRequest(OtpFields.Otp, reason));
        }

        string? verificationId = null;
        if (fields[OtpFields.VerificationId] is { } rawId)
        {
            verificationId = VerificationId.TryParse(rawId, out var idReason);
            if (verificationId is null)
            {
                return ApiResponses.Invalid(new InvalidRequest(OtpFields.VerificationId, idReason));
            }
        }
        else if (settings.RequireVerificationId)
        {
            return ApiResponses.Invalid(new InvalidRequest(OtpFields.VerificationId, "is required on this deployment: send the verificationId from generate's answer"));
        }

        var client = CallerIdentity.ClientId(fields.Request, settings.ClientIpHeader);
        return ApiResponses.For(await verifier.VerifyAsync(address, code, verificationId, client, tokens, cancellationToken).ConfigureAwait(false));
    }

    private static ApiResponse? ReadAddress(RequestFields fields, out string address)
    {
        address = EmailAddress.TryNormalize(fields[OtpFields.EmailAddress], out var reason, out var detail) ?? "";
        return address.Length == 0 ? ApiResponses.Invalid(new InvalidRequest(OtpFields.EmailAddress, reason), detail) : null;
    }
}
