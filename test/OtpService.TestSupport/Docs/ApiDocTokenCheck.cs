using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OtpService.Tests.Docs;

// The C# example of docs/api.md "Using the answer", compiled here and run against the local runner
// (Local/RelyingPartyTests); ApiDocExamplesTests checks docs/api.md shows exactly this text.
// docs/api.md: begin
public static class OtpTokenCheck
{
    /// <summary>The verified address in a verify token, or null when the token is not valid for us.</summary>
    public static async Task<string?> VerifiedEmailAsync(HttpClient http, string token, string jwksUrl, string issuer, string audience)
    {
        // Cache the key set for its Cache-Control max-age; fetch again when a token names an unknown kid.
        var keys = new JsonWebKeySet(await http.GetStringAsync(new Uri(jwksUrl)));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
            ValidIssuer = issuer,
            ValidAudience = audience,
        });
        return result.IsValid && result.Claims.TryGetValue("email", out var email) ? (string)email : null;
    }
}
// docs/api.md: end
