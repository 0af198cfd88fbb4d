using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Tokens;

/// <summary>VerifyOtp's answers with tokens over the in-memory store: the 200's token, the JWKS route, a signing failure.</summary>
public class VerifyTokenApiTests
{
    private const string Address = "user@example.com";
    private readonly RuleHarness _h = new();
    private readonly StringWriter _logs = new();

    private VerifyOtp.Function Verify(IdentityTokens tokens) =>
        new(_h.Verifier, _h.Settings, new InvocationLog(_logs, "VerifyOtp", TimeProvider.System), tokens);

    private static IdentityTokens Tokens(IJwsSigner? signer = null) => TokenTestKeys.Tokens(new FakeTimeProvider(DateTimeOffset.UtcNow), signer: signer);

    private async Task<string> IssueAsync()
    {
        await _h.Issuer.IssueAsync(Address, null, default);
        return _h.CurrentCode(Address);
    }

    private static Task<ApiResult> Call(VerifyOtp.Function function, ApiEvent e) => ApiResult.ReadAsync(function.FunctionHandler(e.ToStream()));

    [Fact]
    public async Task ARightCode_Answers200WithATokenForTheAddress_ThatTheJwksValidates()
    {
        var tokens = Tokens();
        var code = await IssueAsync();

        var result = await Call(Verify(tokens), ApiEvent.Get("/otp/verify").Query("email_address", " User@Example.com ").Query("otp", code));

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("verified", result.Status);
        var token = result.Body.GetProperty("token").GetString()!;
        // The event's requestContext: domainName abc123.execute-api.us-east-1.amazonaws.com, stage Prod.
        var validation = await TokenTestKeys.ValidateAsync(token, TokenTestKeys.Expecting(tokens.Jwks, TokenTestKeys.Issuer, "https://www.example.com"));
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(Address, validation.Claims["email"]);
        Assert.DoesNotContain(token, _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongAndRepeatedCodes_CarryNoToken()
    {
        var function = Verify(Tokens());
        var code = await IssueAsync();

        var wrong = await Call(function, ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", RuleHarness.Wrong(code)));
        var right = await Call(function, ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code));
        var again = await Call(function, ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code));

        Assert.Equal(401, wrong.StatusCode);
        Assert.False(wrong.Body.TryGetProperty("token", out _));
        Assert.True(right.Body.TryGetProperty("token", out _));
        Assert.Equal(409, again.StatusCode);
        Assert.False(again.Body.TryGetProperty("token", out _));
    }

    [Fact]
    public async Task WhenTheTokenCannotBeSigned_TheAnswerIs503_AndTheCodeStaysUsable()
    {
        var code = await IssueAsync();

        var failed = await Call(Verify(Tokens(new IdentityTokensTests.FailingSigner())), ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code));
        Assert.Null(_h.Store.Record(Address).UsedAt);
        var retried = await Call(Verify(Tokens()), ApiEvent.Get("/otp/verify").Query("email_address", Address).Query("otp", code));

        Assert.Equal(503, failed.StatusCode);
        Assert.Equal("unavailable", failed.Status);
        Assert.DoesNotContain("KMS", failed.Message, StringComparison.Ordinal);
        Assert.Equal(200, retried.StatusCode);
    }

    [Fact]
    public async Task TheJwksRoute_AnswersTheKeys_Cacheably_WithoutReadingFields()
    {
        var tokens = Tokens();

        var result = await Call(Verify(tokens), ApiEvent.Get("/.well-known/jwks.json"));

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("public, max-age=300", result.Headers["Cache-Control"]);
        Assert.Equal("application/json", result.Headers["Content-Type"]);
        Assert.Equal(tokens.PublishedKeys[0].KeyId, result.Body.GetProperty("keys")[0].GetProperty("kid").GetString());
        Assert.Contains("\"outcome\":\"jwks\"", _logs.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutATokenIssuer_TheRuleAnswersTheSeedsBareVerified()
    {
        // VerifyOtp always has its token issuer; the rule without one still answers the seed's bare 200.
        var code = await IssueAsync();

        var answer = ApiResponses.For(await _h.Verifier.VerifyAsync(Address, code, null, default));

        Assert.Equal(200, answer.StatusCode);
        Assert.Null(answer.Body.Token);
    }
}
