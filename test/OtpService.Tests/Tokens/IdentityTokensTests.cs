using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Tokens;

public class IdentityTokensTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static JsonObject Part(string token, int index) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[index]))!.AsObject();

    [Fact]
    public async Task TheTokensHeaderAndClaims_HaveThePinnedShape()
    {
        var clock = new FakeTimeProvider(At);
        var token = await TokenTestKeys.Tokens(clock).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", At.ToUnixTimeSeconds()), default);

        var claims = Part(token, 1);
        var jti = claims["jti"]!.GetValue<string>();
        Assert.Equal(22, jti.Length);
        Assert.True(Base64Url.IsValid(jti), jti);
        claims["jti"] = "<16 random bytes, base64url>";
        var actual = new JsonObject { ["header"] = Part(token, 0), ["claims"] = claims };

        var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "token-shape.json")));
        Assert.True(JsonNode.DeepEquals(golden, actual), $"The token's shape changed. Now:{Environment.NewLine}{actual.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
        // Property order too: the golden file is the order the claims are written in.
        Assert.Equal(golden!["claims"]!.AsObject().Select(p => p.Key), claims.Select(p => p.Key));
        Assert.Equal(3, token.Split('.').Length);
        Assert.Equal(64, Base64Url.DecodeFromChars(token.Split('.')[2]).Length);
    }

    [Fact]
    public async Task AStandardJwtLibrary_ValidatesTheToken_AgainstTheJwks()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = TokenTestKeys.Tokens(clock);
        var token = await tokens.For(TokenTestKeys.Issuer).IssueAsync(new VerifiedAddress("user@example.com", At.ToUnixTimeSeconds()), default);

        var result = await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"));

        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal(tokens.PublishedKeys[0].KeyId, jwt.Kid);
        Assert.Equal("user@example.com", jwt.GetClaim("email").Value);
        Assert.Equal("true", jwt.GetClaim("email_verified").Value);
        Assert.Equal("otp", jwt.GetClaim("amr").Value);
    }

    [Fact]
    public async Task TheRelyingParty_RefusesATamperedToken_AWrongAudience_AnExpiredToken_AndAnotherIssuer()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = TokenTestKeys.Tokens(clock);
        var token = await tokens.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", At.ToUnixTimeSeconds()), default);
        var parts = token.Split('.');
        var claims = Part(token, 1);
        claims["email"] = "attacker@example.com";
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";

        Assert.False((await TokenTestKeys.ValidateAsync(tampered, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"))).IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>((await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://other.example.com"))).Exception);
        Assert.IsType<SecurityTokenInvalidIssuerException>((await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, "https://evil.example.com", "https://www.example.com"))).Exception);

        Assert.True((await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"))).IsValid);

        // Issued 301 s ago with a 300 s lifetime: expired by the library's own clock.
        var old = await TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-301))).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);
        Assert.IsType<SecurityTokenExpiredException>((await TokenTestKeys.ValidateAsync(old, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"))).Exception);
    }

    [Fact]
    public async Task ATokenFromAnotherKey_IsRefused_UnlessTheJwksPublishesThatKey()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var other = new EcdsaJwsSigner(otherKey.ExportPkcs8PrivateKeyPem());
        var ours = TokenTestKeys.Tokens(clock);
        var theirs = TokenTestKeys.Tokens(clock, signer: other);
        var token = await theirs.IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);

        Assert.False((await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(ours.Jwks, TokenTestKeys.Issuer, "https://www.example.com"))).IsValid);

        // During a rotation the JWKS lists both keys: tokens of either validate.
        var rotating = TokenTestKeys.Tokens(clock, others: [other.PublicKey]);
        Assert.True((await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(rotating.Jwks, TokenTestKeys.Issuer, "https://www.example.com"))).IsValid);
        Assert.Equal([ours.PublishedKeys[0].KeyId, other.KeyId], rotating.PublishedKeys.Select(k => k.KeyId));
    }

    [Fact]
    public void TheJwks_ListsEachKeyOnce_AsAnEcP256SigningKey()
    {
        var signer = new EcdsaJwsSigner(DevelopmentKeys.TokenSigningKeyPem);
        var tokens = TokenTestKeys.Tokens(new FakeTimeProvider(At), signer: signer, others: [signer.PublicKey]);

        using var jwks = JsonDocument.Parse(tokens.Jwks);
        var key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(["kty", "crv", "x", "y", "kid", "use", "alg"], key.EnumerateObject().Select(p => p.Name));
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.Equal(32, Base64Url.DecodeFromChars(key.GetProperty("x").GetString()).Length);
        // RFC 7638: the kid is the SHA-256 of {"crv","kty","x","y"} in that order, recomputed here by hand.
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{key.GetProperty("x").GetString()}}","y":"{{key.GetProperty("y").GetString()}}"}""";
        Assert.Equal(Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), key.GetProperty("kid").GetString());
    }

    [Fact]
    public async Task TheAudience_IsTheIssuer_WhenNoneIsConfigured()
    {
        var clock = new FakeTimeProvider(At);
        var token = await TokenTestKeys.Tokens(clock, audience: null).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);

        Assert.Equal(TokenTestKeys.Issuer, Part(token, 1)["aud"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sub_IsStableAcrossSigningKeys_DiffersPerAddress_AndIsNotTheAddress()
    {
        var clock = new FakeTimeProvider(At);
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var a = await TokenTestKeys.Tokens(clock).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);
        var b = await TokenTestKeys.Tokens(clock, signer: new EcdsaJwsSigner(otherKey.ExportPkcs8PrivateKeyPem())).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user@example.com", 0), default);
        var c = await TokenTestKeys.Tokens(clock).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("user2@example.com", 0), default);

        Assert.Equal(Part(a, 1)["sub"]!.GetValue<string>(), Part(b, 1)["sub"]!.GetValue<string>());
        Assert.NotEqual(Part(a, 1)["sub"]!.GetValue<string>(), Part(c, 1)["sub"]!.GetValue<string>());
        Assert.NotEqual(Part(a, 1)["jti"]!.GetValue<string>(), Part(b, 1)["jti"]!.GetValue<string>());
        // Another subject key gives another sub: it is a keyed hash, not a hash anyone can recompute.
        Assert.NotEqual(new SubjectIdentifiers(new byte[32]).For("user@example.com"), Part(a, 1)["sub"]!.GetValue<string>());
        Assert.Throws<ArgumentException>(() => new SubjectIdentifiers(new byte[31]));
    }

    [Fact]
    public async Task AnAddressWithPlusAndNonAsciiLetters_IsWrittenAsItIs()
    {
        var token = await TokenTestKeys.Tokens(new FakeTimeProvider(At)).IssueAsync(TokenTestKeys.Issuer, new VerifiedAddress("jürgen+tag@example.com", 0), default);

        var json = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1]));
        Assert.Contains("\"email\":\"jürgen+tag@example.com\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASigningFailure_ReachesTheCaller_AsTokenSigningUnavailable()
    {
        var tokens = TokenTestKeys.Tokens(new FakeTimeProvider(At), signer: new FailingSigner());

        await Failures.ThrowsAsync(Dependency.KMS, FailureKind.Transient, () => tokens.For(TokenTestKeys.Issuer).IssueAsync(new VerifiedAddress("user@example.com", 0), default));
        Assert.Throws<ArgumentException>(() => tokens.For(" "));
    }

    /// <summary>Stands in for KMS refusing (a fault the rules and the API must survive); the real KMS path is KmsJwsSignerTests.</summary>
    internal sealed class FailingSigner : IJwsSigner
    {
        private readonly EcdsaJwsSigner _real = new(DevelopmentKeys.TokenSigningKeyPem);

        public string KeyId => _real.KeyId;

        public PublicSigningKey PublicKey => _real.PublicKey;

        public Task<byte[]> SignAsync(ReadOnlyMemory<byte> signingInput, CancellationToken cancellationToken) =>
            Task.FromException<byte[]>(Failures.Signing("KMS Sign failed: HTTP 503 KMSInternalException."));
    }
}
