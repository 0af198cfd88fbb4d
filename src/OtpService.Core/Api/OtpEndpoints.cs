using OtpService.Core.Otp;

namespace OtpService.Core.Api;

/// <summary>The two routes: check the fields, call the rule, pick the answer.</summary>
public static class OtpEndpoints
{
    public static async Task<ApiAnswer> GenerateAsync(OtpIssuer issuer, OtpSettings settings, RequestFields fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(fields);
        if (!settings.GenerateAllowsGet && fields.Method == "GET")
        {
            // A GET that sends mail can be fired by any web page (an <img> tag); see README.
            return ApiAnswers.Invalid(new InvalidRequest("method", "GET is not allowed for generate on this deployment; use POST"));
        }

        if (ReadAddress(fields, out var address) is { } invalid)
        {
            return invalid;
        }

        var client = CallerIdentity.ClientId(fields.Request, settings.ClientIpHeader);
        return ApiAnswers.For(await issuer.IssueAsync(address, client, cancellationToken).ConfigureAwait(false));
    }

    public static async Task<ApiAnswer> VerifyAsync(OtpVerifier verifier, OtpSettings settings, RequestFields fields, CancellationToken cancellationToken)
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
            return ApiAnswers.Invalid(new InvalidRequest(OtpFields.Otp, reason));
        }

        var client = CallerIdentity.ClientId(fields.Request, settings.ClientIpHeader);
        return ApiAnswers.For(await verifier.VerifyAsync(address, code, client, cancellationToken).ConfigureAwait(false));
    }

    private static ApiAnswer? ReadAddress(RequestFields fields, out string address)
    {
        address = EmailAddress.TryNormalize(fields[OtpFields.EmailAddress], out var reason) ?? "";
        return address.Length == 0 ? ApiAnswers.Invalid(new InvalidRequest(OtpFields.EmailAddress, reason)) : null;
    }
}
