using OtpService.Tests.OpenApi;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>
/// docs/openapi.json against the real answers (<see cref="ApiAnswersFixture"/>): every answer is
/// documented for its route and matches its schemas; every answer the code can give was driven;
/// every documented answer is real. A new status, field or header in the code fails here until
/// the document (and the drive) describe it.
/// </summary>
public sealed class OpenApiConformanceTests(ApiAnswersFixture answers) : IClassFixture<ApiAnswersFixture>
{
    private readonly OpenApiSpec spec = OpenApiSpec.Load();

    [Fact]
    public void EveryRealAnswer_IsDocumentedForItsRoute_AndMatchesItsSchemas()
    {
        var problems = answers.Observed
            .SelectMany(o => spec.Check(o.Path, o.Method, o.Status, o.ContentType, o.Headers, o.Body).Select(p => $"[{o.Scenario}] {p}"))
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void EveryAnswerTheCodeCanGive_WasDriven()
    {
        // The code's own list: each outcome of the rules, as the API shapes it, plus the answers every route can give.
        var possible = new List<(string Route, int Status, string? BodyStatus)>();
        foreach (var status in Enum.GetValues<GenerateStatus>())
        {
            var answer = ApiResponses.For(new GenerateOutcome(status, ExpiresInSeconds: 120, RetryAfterSeconds: 30));
            possible.Add((ApiAnswersFixture.Generate, answer.StatusCode, answer.Body.Status));
        }

        foreach (var status in Enum.GetValues<VerifyStatus>())
        {
            var answer = ApiResponses.For(new VerifyOutcome(status, AttemptsRemaining: 1, RetryAfterSeconds: 30));
            possible.Add((ApiAnswersFixture.Verify, answer.StatusCode, answer.Body.Status));
        }

        foreach (var route in new[] { ApiAnswersFixture.Generate, ApiAnswersFixture.Verify })
        {
            foreach (var answer in new[] { ApiResponses.Invalid(new InvalidRequest("otp", "is required")), ApiResponses.Unavailable, ApiResponses.InternalError })
            {
                possible.Add((route, answer.StatusCode, answer.Body.Status));
            }
        }

        // The JWKS is a document of its own (no status field in its body), or the answer of a KMS that is down or refuses the key.
        possible.Add((ApiAnswersFixture.Jwks, ApiResponses.Jwks("{}").StatusCode, null));
        possible.Add((ApiAnswersFixture.Jwks, ApiResponses.Unavailable.StatusCode, ApiResponses.Unavailable.Body.Status));
        possible.Add((ApiAnswersFixture.Jwks, ApiResponses.InternalError.StatusCode, ApiResponses.InternalError.Body.Status));

        var driven = answers.Observed.Select(o => (o.Path, o.Status, o.BodyStatus)).ToHashSet();
        var missing = possible.Distinct().Where(p => !driven.Contains(p)).Select(p => $"{p.Route} {p.Status} {p.BodyStatus}").ToList();

        Assert.True(missing.Count == 0, "answers the code can give that ApiAnswersFixture never drove (add a scenario, then document them): " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryDocumentedAnswer_IsARealAnswer()
    {
        var seen = answers.Observed.Select(o => (o.Path, o.Method, o.Status)).ToHashSet();
        var unseen = spec.Operations()
            .SelectMany(op => spec.Statuses(op.Path, op.Method).Select(status => (op.Path, op.Method, status)))
            .Where(d => !seen.Contains(d))
            .Select(d => $"{d.Method} {d.Path} {d.status}")
            .ToList();

        Assert.True(unseen.Count == 0, "documented but never answered: " + string.Join(", ", unseen));
    }

    [Theory]
    [InlineData("runner: POST generate (JSON)", 202)]
    [InlineData("runner: POST verify, the mailed code", 200)]
    [InlineData("runner: POST verify, the same code again", 409)]
    [InlineData("runner: CORS preflight", 200)]
    [InlineData("runner: a URL over API Gateway's quota", 414)]
    [InlineData("runner: a body over API Gateway's 10 MB", 413)]
    [InlineData("generate again within the cooldown", 429)]
    [InlineData("verify POST a wrong code", 401)]
    [InlineData("verify POST a dead code", 429)]
    [InlineData("verify after the lifetime", 410)]
    [InlineData("verify an earlier mail's code", 422)]
    [InlineData("verify with an earlier request's verification_id", 403)]
    [InlineData("verify with a malformed verification_id", 400)]
    [InlineData("verify an address that got no code", 404)]
    [InlineData("verify past the client's failure limit", 429)]
    [InlineData("generate past the client's request limit", 429)]
    [InlineData("generate POST past the global budget", 429)]
    [InlineData("generate with a malformed address", 400)]
    [InlineData("generate with a malformed locale", 400)]
    [InlineData("verify POST a JSON string that is not Unicode", 400)]
    [InlineData("generate POST bytes that are not UTF-8", 400)]
    [InlineData("generate with an undecodable escape (HTTP API)", 400)]
    [InlineData("runner: an undecodable escape in the query", 400)]
    [InlineData("runner: an undecodable escape in a form body", 400)]
    [InlineData("runner: a JSON string that is not Unicode", 400)]
    [InlineData("runner: a body in another charset", 400)]
    [InlineData("DynamoDB down", 503)]
    [InlineData("KMS down", 503)]
    [InlineData("KMS refusing the token key", 500)]
    [InlineData("a store failing unexpectedly (injected)", 500)]
    [InlineData("a crashing function behind the runner (injected)", 502)]
    [InlineData("a function that never answers, behind the runner (injected)", 504)]
    public void EachScenario_GotTheAnswerItIsThereFor(string scenario, int status)
    {
        var seen = answers.Observed.Where(o => o.Scenario == scenario).ToList();

        Assert.NotEmpty(seen);
        Assert.All(seen, o => Assert.True(o.Status == status, o.ToString()));
    }

    [Fact]
    public void ApiGatewaysOwnAnswers_CarryTheApisCorsHeadersAndShape()
    {
        var gateway = answers.Observed.Where(o => o.Scenario.StartsWith("runner: a ", StringComparison.Ordinal) || o.Scenario.Contains("behind the runner", StringComparison.Ordinal)).ToList();

        Assert.Contains(gateway, o => o.Status == 413);
        Assert.Contains(gateway, o => o.Status == 414);
        Assert.Contains(gateway, o => o.Status == 502);
        Assert.Contains(gateway, o => o.Status == 504);
        Assert.All(gateway, o =>
        {
            Assert.True(o.Headers.ContainsKey("Access-Control-Allow-Origin"), $"{o}: no Access-Control-Allow-Origin, so a browser cannot read it");
            Assert.NotNull(o.BodyStatus);
        });
    }

    [Fact]
    public void TheBrowserPagesOrigin_IsAllowed_AndRetryAfterIsReadable()
    {
        var limited = answers.Observed.First(o => o.Status == 429 && o.Headers.ContainsKey("Retry-After"));

        Assert.Equal(ApiAnswersFixture.BrowserOrigin, limited.Headers["Access-Control-Allow-Origin"]);
        Assert.Equal("Retry-After", limited.Headers["Access-Control-Expose-Headers"]);
    }
}
