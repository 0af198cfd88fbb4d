
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>
/// Who is calling, for the per-client limits: API Gateway's source IP (REST v1
/// <c>requestContext.identity.sourceIp</c>, HTTP API v2 <c>requestContext.http.sourceIp</c>),
/// or, when the deployer names one (OTP_CLIENT_IP_HEADER), that header's first comma-separated
/// value. A header is only as honest as whatever sets it: name one only when the API is called
/// by your own backend, which overwrites it with the end user's IP; a header a browser can send
/// lets every request pick its own client. The id is returned as sent (an IP may carry a port, as
/// sourceIp does behind CloudFront or an mTLS custom domain); <see cref="ClientTagger.Canonical"/>
/// reduces every form of one host to one client.
/// </summary>
public static class CallerIdentity
{
    /// <returns>The client id (an IP or the header's value), or null when the request carries none.</returns>
    public static string? ClientId(ApiGatewayRequest request, string? headerName)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (headerName is not null)
        {
            var value = RequestFields.Header(request, headerName)?.Split(',')[0].Trim();
            return string.IsNullOrEmpty(value) ? null : value;
        }

        return request.RequestContext?.Identity?.SourceIp ?? request.RequestContext?.Http?.SourceIp;
    }
}
