using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OtpService.Core.Aws;
using OtpService.Core.Tokens;

namespace OtpService.Tests.Tokens;

/// <summary>Token issuers over the development keys, and the relying party's side: a standard JWT library.</summary>
internal static class TokenTestKeys
{
    public const string Issuer = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod";

    public static IdentityTokens Tokens(TimeProvider clock, string? audience = "https://www.example.com", IJwsSigner? signer = null, IEnumerable<PublicSigningKey>? others = null, string? issuer = null) =>
        new(signer ?? new EcdsaJwsSigner(DevelopmentKeys.TokenSigningKeyPem),
            new SubjectIdentifiers(System.Text.Encoding.UTF8.GetBytes(DevelopmentKeys.SubjectKey)),
            new TokenSettings { Audience = audience, Issuer = issuer },
            clock,
            others);

    /// <summary>What a relying party checks: signature by a key of the JWKS (matched by kid), iss, aud, exp (against the real clock, no skew).</summary>
    public static TokenValidationParameters Expecting(string jwks, string issuer, string audience) => new()
    {
        IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
        ValidIssuer = issuer,
        ValidAudience = audience,
        ValidAlgorithms = ["ES256"],
        ClockSkew = TimeSpan.Zero,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
    };

    public static Task<TokenValidationResult> ValidateAsync(string token, TokenValidationParameters expected) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, expected);
}
