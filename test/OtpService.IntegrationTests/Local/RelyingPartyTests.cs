using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OtpService.Local.Emulators;
using OtpService.Tests.Docs;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>
/// A relying party's view of the runner over real HTTP: a standard JWT library
/// (Microsoft.IdentityModel.JsonWebTokens) validates verify's token against the JWKS the runner
/// serves (signature, kid, iss, aud, exp) and refuses a tampered token, a wrong audience and an
/// expired token. The runner signs with its development key; in AWS the same code signs through KMS
/// (Integration/KmsJwsSignerTests).
/// </summary>
public sealed partial class RelyingPartyTests(LocalRunnerFixture fixture) : IClassFixture<LocalRunnerFixture>
{
    private static readonly HttpClient Http = Patience.HttpClient();

    private string Issuer => fixture.Api.ToString().TrimEnd('/');

    private string JwksUrl => $"{Issuer}/.well-known/jwks.json";

    private async Task<string> VerifiedTokenAsync(string address)
    {
        using var generated = await Http.GetAsync(new Uri(fixture.Api, $"/otp/generate?email_address={Uri.EscapeDataString(address)}"));
        Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        var mail = await fixture.Mail.WaitForMailAsync(address);
        var code = CodePattern().Match(mail[^1].Text ?? "").Value;
        using var verified = await Http.PostAsync(new Uri(fixture.Api, "/otp/verify"), new StringContent(
            JsonSerializer.Serialize(new Dictionary<string, string> { ["email_address"] = address, ["otp"] = code }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        using var body = JsonDocument.Parse(await verified.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private async Task<TokenValidationParameters> ExpectingAsync(string audience)
    {
        var jwks = await Http.GetStringAsync(new Uri(JwksUrl));
        return new TokenValidationParameters
        {
            IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
            ValidIssuer = Issuer,
            ValidAudience = audience,
            ClockSkew = TimeSpan.Zero,
        };
    }

    [Fact]
    public async Task TheTokenFromVerify_ValidatesAgainstTheJwksTheRunnerServes()
    {
        var address = $"rp-{Guid.NewGuid():N}@example.com";
        var token = await VerifiedTokenAsync(address);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, await ExpectingAsync(audience: Issuer));

        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("ES256", jwt.Alg);
        Assert.Contains(new JsonWebKeySet(await Http.GetStringAsync(new Uri(JwksUrl))).Keys, k => k.Kid == jwt.Kid);
        Assert.Equal(address, result.Claims["email"]);
        Assert.Equal(true, result.Claims["email_verified"]);
        Assert.True(jwt.ValidTo > DateTime.UtcNow.AddSeconds(250) && jwt.ValidTo <= DateTime.UtcNow.AddSeconds(301), $"exp {jwt.ValidTo:o}");
    }

    [Fact]
    public async Task ATamperedToken_AWrongAudience_AndAnExpiredToken_AreRefused()
    {
        var token = await VerifiedTokenAsync($"rp-{Guid.NewGuid():N}@example.com");
        var parts = token.Split('.');
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        claims["email"] = "attacker@example.com";
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";
        var handler = new JsonWebTokenHandler();

        Assert.IsType<SecurityTokenInvalidSignatureException>((await handler.ValidateTokenAsync(tampered, await ExpectingAsync(Issuer))).Exception);
        Assert.IsType<SecurityTokenInvalidAudienceException>((await handler.ValidateTokenAsync(token, await ExpectingAsync("https://another-site.example.com"))).Exception);

        // The relying party's clock 301 s on: past the token's 300 s lifetime. The library reads its
        // clock from TokenValidationParameters.TimeProvider, which 8.x does not make public yet.
        var later = await ExpectingAsync(Issuer);
        var clock = typeof(TokenValidationParameters).GetProperty("TimeProvider", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic);
        Assert.NotNull(clock);
        clock.SetValue(later, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(301)));
        Assert.IsType<SecurityTokenExpiredException>((await handler.ValidateTokenAsync(token, later)).Exception);
        Assert.True((await handler.ValidateTokenAsync(token, await ExpectingAsync(Issuer))).IsValid);
    }

    [Fact]
    public async Task TheReadmeExample_ReturnsTheVerifiedAddress_AndNullForAnotherAudience()
    {
        var address = $"rp-{Guid.NewGuid():N}@example.com";
        var token = await VerifiedTokenAsync(address);

        Assert.Equal(address, await OtpTokenCheck.VerifiedEmailAsync(Http, token, JwksUrl, Issuer, audience: Issuer));
        Assert.Null(await OtpTokenCheck.VerifiedEmailAsync(Http, token, JwksUrl, Issuer, audience: "https://another-site.example.com"));
    }

    [Fact]
    public async Task TheReadmesNodeExample_ReturnsTheVerifiedAddress_AndRefusesTamperedWrongAudienceAndExpiredTokens()
    {
        var address = $"rp-{Guid.NewGuid():N}@example.com";
        var token = await VerifiedTokenAsync(address);
        var parts = token.Split('.');
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        claims["email"] = "attacker@example.com";
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";

        Assert.Equal($"email:{address}", await RunDocumentedNodeExampleAsync(token, audience: Issuer));
        Assert.Equal("error:ERR_JWS_SIGNATURE_VERIFICATION_FAILED", await RunDocumentedNodeExampleAsync(tampered, audience: Issuer));
        Assert.Equal("error:ERR_JWT_CLAIM_VALIDATION_FAILED", await RunDocumentedNodeExampleAsync(token, audience: "https://another-site.example.com"));
        Assert.Equal("error:ERR_JWT_EXPIRED", await RunDocumentedNodeExampleAsync(token, audience: Issuer, clockOffsetSeconds: 301));
    }

    /// <summary>
    /// docs/api.md's Node block, word for word, run by node with the pinned jose (package.json) against
    /// the runner's JWKS: "email:..." or "error:" and jose's error code. The clock offset moves the
    /// script's Date, as a relying party's clock 301 s on.
    /// </summary>
    private async Task<string> RunDocumentedNodeExampleAsync(string token, string audience, int clockOffsetSeconds = 0)
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "docs", "api.md")).ReplaceLineEndings("\n");
        const string Opening = "`RelyingPartyTests`, which also checks it refuses a tampered, wrong-audience and expired token):\n\n```js\n";
        var start = doc.IndexOf(Opening, StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/api.md no longer shows the Node example");
        start += Opening.Length;
        var example = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        // Under the repository's obj/, so node resolves 'jose' from the repository's node_modules.
        var folder = Path.Combine(RepositoryRoot.Find(), "obj", "api-doc-node-example");
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, $"check-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(script, $$"""
            const JWKS_URL = process.env.JWKS_URL, TOKEN_ISSUER = process.env.TOKEN_ISSUER, TOKEN_AUDIENCE = process.env.TOKEN_AUDIENCE;
            const RealDate = Date, offset = {{clockOffsetSeconds}} * 1000;
            globalThis.Date = class extends RealDate {
              constructor(...a) { if (a.length === 0) { super(RealDate.now() + offset); } else { super(...a); } }
              static now() { return RealDate.now() + offset; }
            };
            {{example}}
            try { console.log('email:' + await verifiedEmail(process.argv[2])); }
            catch (e) { console.log('error:' + (e.code ?? e.name)); }
            """);
        try
        {
            var startInfo = new System.Diagnostics.ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            startInfo.ArgumentList.Add(script);
            startInfo.ArgumentList.Add(token);
            startInfo.Environment["JWKS_URL"] = JwksUrl;
            startInfo.Environment["TOKEN_ISSUER"] = Issuer;
            startInfo.Environment["TOKEN_AUDIENCE"] = audience;
            using var node = System.Diagnostics.Process.Start(startInfo)!;
            var output = node.StandardOutput.ReadToEndAsync();
            var errors = node.StandardError.ReadToEndAsync();
            try
            {
                using var timeout = new CancellationTokenSource(Patience.Wait);
                await node.WaitForExitAsync(timeout.Token);
            }
            finally
            {
                // A node that did not finish (or a failed wait) is not left running.
                if (!node.HasExited)
                {
                    node.Kill();
                }
            }

            Assert.True(node.ExitCode == 0, await errors);
            return (await output).Trim();
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task TheJwks_IsCacheable_AndTheBannerNamesTheDevelopmentKey()
    {
        using var response = await Http.GetAsync(new Uri(JwksUrl));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=300", response.Headers.CacheControl?.ToString());
        Assert.Contains("development ES256 key", fixture.Runner.Output, StringComparison.Ordinal);
        Assert.Contains("GET /.well-known/jwks.json", fixture.Runner.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex CodePattern();
}
