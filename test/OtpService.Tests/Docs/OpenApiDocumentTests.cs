using OtpService.Tests.OpenApi;
using System.Text;
using System.Text.Json;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using OtpService.Core.Lambda;
using OtpService.Local.Api;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>docs/openapi.json on its own: a valid OpenAPI 3.1 document whose examples hold, and a validator that can fail.</summary>
public sealed class OpenApiDocumentTests
{
    /// <summary>The two routes, named as the integration project's <c>ApiAnswersFixture</c> names them (that fixture starts emulators).</summary>
    private static class ApiAnswersFixture
    {
        public const string Generate = "/otp/generate";
        public const string Verify = "/otp/verify";
    }

    private readonly OpenApiSpec spec = OpenApiSpec.Load();

    [Fact]
    public void Document_IsOpenApi31_WithoutErrors()
    {
        using var stream = new MemoryStream(File.ReadAllBytes(OpenApiSpec.FilePath));
        var settings = new OpenApiReaderSettings();
        var result = OpenApiDocument.Load(stream, "json", settings);

        Assert.Empty(result.Diagnostic?.Errors ?? []);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, result.Diagnostic?.SpecificationVersion);
        var validation = result.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet());
        Assert.Empty(validation ?? []);
    }

    [Fact]
    public void EveryResponseExample_ValidatesAgainstItsSchema()
    {
        var checkedExamples = 0;
        foreach (var (path, method) in spec.Operations())
        {
            foreach (var status in spec.Statuses(path, method))
            {
                var pointer = $"/paths/{OpenApiSpec.Escape(path)}/{method.ToLowerInvariant()}/responses/{status}";
                var (response, responsePointer) = spec.Resolve(spec.At(pointer)!.Value, pointer);
                if (!response.TryGetProperty("content", out var content))
                {
                    continue;
                }

                foreach (var media in content.EnumerateObject())
                {
                    foreach (var example in media.Value.TryGetProperty("examples", out var examples) ? examples.EnumerateObject() : [])
                    {
                        var errors = spec.Validate($"{responsePointer}/content/{OpenApiSpec.Escape(media.Name)}/schema", example.Value.GetProperty("value"));
                        Assert.True(errors.Count == 0, $"{method} {path} {status} example {example.Name}: {string.Join("; ", errors)}");
                        checkedExamples++;
                    }
                }
            }
        }

        Assert.True(checkedExamples >= 15, $"only {checkedExamples} examples checked");
    }

    [Fact]
    public void EveryRequestExample_IsReadByTheApisOwnParser()
    {
        foreach (var path in new[] { ApiAnswersFixture.Generate, ApiAnswersFixture.Verify })
        {
            var content = spec.At($"/paths/{OpenApiSpec.Escape(path)}/post/requestBody/content")!.Value;
            foreach (var media in content.EnumerateObject())
            {
                foreach (var example in media.Value.GetProperty("examples").EnumerateObject())
                {
                    var value = example.Value.GetProperty("value");
                    var body = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                    var request = new ApiGatewayRequest { HttpMethod = "POST", Path = path, Headers = new() { ["Content-Type"] = media.Name }, Body = body };

                    var fields = RequestFields.TryRead(request, out var error);

                    Assert.True(fields is not null, $"{path} {media.Name} example {example.Name}: {error?.Message}");
                    Assert.Equal("you@example.com", fields[OtpFields.EmailAddress]);
                }
            }
        }
    }

    [Theory]
    [InlineData("""{"status":"not_found","message":"No such OTP was shared","debug":"x"}""", "a field the document does not list")]
    [InlineData("""{"status":"not_found"}""", "a missing message")]
    [InlineData("""{"status":"wrong_code","message":"No such OTP was shared"}""", "another answer's status")]
    [InlineData("""{"status":"not_found","message":"Not here"}""", "other words than the seed's")]
    public void Validator_RefusesAnAnswerThatDiffersFromTheDocument(string body, string why)
    {
        var problems = spec.Check(ApiAnswersFixture.Verify, "POST", 404, "application/json", Headers(), body);

        Assert.True(problems.Count > 0, why);
    }

    [Fact]
    public void Validator_RefusesAnUndocumentedStatus_AndAnUndocumentedOrWrongHeader()
    {
        const string notFound = """{"status":"not_found","message":"No such OTP was shared"}""";
        Assert.NotEmpty(spec.Check(ApiAnswersFixture.Verify, "POST", 418, "application/json", Headers(), notFound));
        Assert.NotEmpty(spec.Check(ApiAnswersFixture.Verify, "POST", 404, "application/json", Headers(("X-Debug", "1")), notFound));
        Assert.NotEmpty(spec.Check(ApiAnswersFixture.Verify, "POST", 404, "application/json", Headers(("Cache-Control", "max-age=60")), notFound));
        Assert.NotEmpty(spec.Check(ApiAnswersFixture.Verify, "POST", 404, "text/html", Headers(), notFound));
        Assert.NotEmpty(spec.Check(ApiAnswersFixture.Generate, "GET", 429, "application/json", Headers(("Retry-After", "soon")), """{"status":"rate_limited","message":"m","retryAfterSeconds":3}"""));
        Assert.Empty(spec.Check(ApiAnswersFixture.Generate, "GET", 429, "application/json", Headers(("Retry-After", "3")), """{"status":"rate_limited","message":"m","retryAfterSeconds":3}"""));
        Assert.Empty(spec.Check(ApiAnswersFixture.Verify, "POST", 404, "application/json", Headers(), notFound));
    }

    [Fact]
    public async Task ServedDocument_IsTheFile_WithTheRunnersAddressAsItsFirstServer()
    {
        var served = OpenApiEndpoint.Load(OtpService.Local.Emulators.RepositoryRoot.Find(), new Uri("http://127.0.0.1:3999/"));
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/openapi.json";
        context.Response.Body = new MemoryStream();

        Assert.True(await served.TryServeAsync(context));

        var json = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        var servedRoot = JsonDocument.Parse(json).RootElement;
        Assert.Equal("http://127.0.0.1:3999", servedRoot.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.True(JsonElement.DeepEquals(spec.Root.GetProperty("paths"), servedRoot.GetProperty("paths")));
        Assert.True(JsonElement.DeepEquals(spec.Root.GetProperty("components"), servedRoot.GetProperty("components")));
    }

    private static Dictionary<string, string> Headers(params (string Name, string Value)[] extra)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/json",
            ["Cache-Control"] = "no-store",
            ["X-Content-Type-Options"] = "nosniff",
        };
        foreach (var (name, value) in extra)
        {
            headers[name] = value;
        }

        return headers;
    }
}
