using System.Text.Json;
using System.Text.RegularExpressions;
using OtpService.Core.Lambda;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// API Gateway's own answers (issue 19): the API's gateway responses carry the headers the
/// functions' answers carry (CORS from the same origin parameter, no-store, nosniff) and the
/// API's JSON shape, for the fallbacks and for the types a person meets (throttling, a body too
/// large, an integration timeout). Without them a browser cannot read these answers at all
/// (aws/serverless-application-model#1178).
/// </summary>
public sealed partial class TemplateContractTests
{
    /// <summary>The response types the API customises: the two fallbacks and the ones the sign-in page must tell apart.</summary>
    internal static readonly string[] RequiredGatewayResponses = ["DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "REQUEST_TOO_LARGE", "INTEGRATION_TIMEOUT"];

    private const string Origin = "https://app.example.com";

    [Fact]
    public void GatewayResponses_CarryTheFunctionsHeadersAndTheApisJsonShape() =>
        AssertNone(GatewayResponseProblems());

    internal IEnumerable<string> GatewayResponseProblems()
    {
        var (apiId, api) = _template.Resources("AWS::Serverless::Api").FirstOrDefault();
        var responses = api?["Properties"]?["GatewayResponses"];
        if (responses is null)
        {
            yield return $"{api?.Where ?? "template.yaml"}: {apiId ?? "the API"} has no GatewayResponses: API Gateway's own 4XX/5XX answers would carry no CORS header.";
            yield break;
        }

        foreach (var type in RequiredGatewayResponses.Where(t => responses[t] is null))
        {
            yield return $"{responses.Where}: GatewayResponses has no {type}.";
        }

        var corsOrigin = api!["Properties"]?["Cors"]?["AllowOrigin"]?.Describe();
        // Evaluated as the local runner evaluates them, with and without an origin.
        var withOrigin = SamTemplate.From(_template, name => name == "OTP_CORS_ALLOWED_ORIGIN" ? Origin : null).GatewayResponses();
        var withoutOrigin = SamTemplate.From(_template, _ => null).GatewayResponses();
        var functionsWith = Headers(ApiResponses.InternalError.ToApiGatewayResponse(Origin).Headers);
        var functionsWithout = Headers(ApiResponses.InternalError.ToApiGatewayResponse(null).Headers);
        foreach (var (type, response) in responses.Entries)
        {
            var where = response.Where;
            var origin = response["ResponseParameters"]?["Headers"]?["Access-Control-Allow-Origin"];
            if (origin?.Describe() != corsOrigin)
            {
                yield return $"{origin?.Where ?? where}: {type} Access-Control-Allow-Origin must be the preflight's own value ({corsOrigin}), not {origin?.Describe() ?? "absent"}.";
            }

            if (type.StartsWith("DEFAULT_", StringComparison.Ordinal) && response["StatusCode"] is { } code)
            {
                yield return $"{code.Where}: {type} must not set StatusCode: it would change every {type[8..]} answer's status.";
            }

            foreach (var (origins, expected, label) in new[] { (withOrigin, functionsWith, "with CorsAllowedOrigin set"), (withoutOrigin, functionsWithout, "without CorsAllowedOrigin") })
            {
                var answer = origins.Answer(type, type.Contains("5XX", StringComparison.Ordinal) ? 502 : 400, "Some message");
                var actual = Headers(answer.Headers);
                actual.Remove("Retry-After");
                if (!actual.OrderBy(h => h.Key).SequenceEqual(expected.OrderBy(h => h.Key)))
                {
                    yield return $"{where}: {type}'s headers {label} are {Show(actual)}; the functions' answers carry {Show(expected)}.";
                }
            }

            foreach (var problem in BodyProblems(type, response, withOrigin.Answer(type, 400, "Some \"quoted\" message")))
            {
                yield return problem;
            }
        }

        static Dictionary<string, string> Headers(IEnumerable<KeyValuePair<string, string>> headers) =>
            headers.Where(h => !string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)).ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);

        static string Show(Dictionary<string, string> headers) => string.Join(", ", headers.OrderBy(h => h.Key).Select(h => $"{h.Key}: {h.Value}"));
    }

    private static IEnumerable<string> BodyProblems(string type, CfnNode response, OtpService.Local.Api.GatewayAnswer answer)
    {
        var template = response["ResponseTemplates"]?["application/json"];
        if (template?.Value is not { } text)
        {
            yield return $"{template?.Where ?? response.Where}: {type} has no application/json template (our {{\"status\", \"message\"}} shape).";
            yield break;
        }

        foreach (Match variable in ContextVariable().Matches(text))
        {
            if (variable.Value is not ("$context.error.messageString" or "$context.error.responseType"))
            {
                // A gateway response template is plain substitution: only these are filled in as valid JSON here.
                yield return $"{template.Where}: {type} uses {variable.Value}; only $context.error.messageString (quoted) and $context.error.responseType are checked to give valid JSON.";
            }
        }

        if (ParseJson(answer.Body, out var error) is not { } body)
        {
            yield return $"{template.Where}: {type}'s template does not give JSON ({error}): {answer.Body}";
            yield break;
        }

        if (body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String || !StatusWord().IsMatch(status.GetString()!)
            || !body.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(message.GetString()))
        {
            yield return $"{template.Where}: {type}'s body must be {{\"status\": a snake_case word, \"message\": words}}; it is {answer.Body}.";
            yield break;
        }

        if (type == "DEFAULT_5XX" && (status.GetString() != ApiResponses.InternalError.Body.Status || message.GetString() != ApiResponses.InternalError.Body.Message))
        {
            yield return $"{template.Where}: DEFAULT_5XX must answer as the functions' own 500 does ({ApiResponses.InternalError.Body.Status}, \"{ApiResponses.InternalError.Body.Message}\").";
        }

        var retryHeader = answer.Headers.FirstOrDefault(h => string.Equals(h.Key, "Retry-After", StringComparison.OrdinalIgnoreCase)).Value;
        var retryField = body.TryGetProperty("retryAfterSeconds", out var seconds) ? seconds.GetRawText() : null;
        if (retryHeader != retryField)
        {
            yield return $"{template.Where}: {type}'s Retry-After header ({retryHeader ?? "none"}) and retryAfterSeconds ({retryField ?? "none"}) must say the same, as the functions' answers do.";
        }

        if (type == "THROTTLED" && retryHeader is null)
        {
            yield return $"{template.Where}: THROTTLED must say when to try again (Retry-After and retryAfterSeconds).";
        }
    }

    private static JsonElement? ParseJson(string text, out string? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException e)
        {
            error = e.Message;
            return null;
        }
    }

    [GeneratedRegex(@"\$context\.[A-Za-z.]+")]
    private static partial Regex ContextVariable();

    [GeneratedRegex("^[a-z]+(_[a-z]+)*$")]
    private static partial Regex StatusWord();
}

/// <summary>The gateway-response checks seen failing: each case breaks template.yaml in memory in one way and expects a problem at the broken line.</summary>
public sealed class TemplateGatewayBreakTests
{
    private static readonly string Yaml = File.ReadAllText(RepositoryFiles.PathOf("template.yaml"));

    private const string OriginLine = "              Access-Control-Allow-Origin: !If [HasCorsOrigin, !Sub \"'${CorsAllowedOrigin}'\", !Ref AWS::NoValue]\n";

    public static TheoryData<string, string, string, string?, string> Breaks() => new()
    {
        {
            "no gateway responses at all",
            "      GatewayResponses:\n", "      NoGatewayResponses:\n",
            null, "has no GatewayResponses"
        },
        {
            "throttling answered without CORS",
            "        THROTTLED:\n          ResponseParameters:\n            Headers:\n" + OriginLine,
            "        THROTTLED:\n          ResponseParameters:\n            Headers:\n",
            "        THROTTLED:\n          ResponseParameters:", "THROTTLED Access-Control-Allow-Origin must be the preflight's own value"
        },
        {
            "an origin of its own",
            "        REQUEST_TOO_LARGE:\n          ResponseParameters:\n            Headers:\n" + OriginLine,
            "        REQUEST_TOO_LARGE:\n          ResponseParameters:\n            Headers:\n              Access-Control-Allow-Origin: \"'*'\"\n",
            "              Access-Control-Allow-Origin: \"'*'\"", "REQUEST_TOO_LARGE Access-Control-Allow-Origin must be the preflight's own value"
        },
        {
            "no timeout answer",
            "        INTEGRATION_TIMEOUT:\n", "        INTEGRATION_FAILURE:\n",
            "      GatewayResponses:\n        DEFAULT_4XX:", "GatewayResponses has no INTEGRATION_TIMEOUT"
        },
        {
            "a template that is not JSON",
            "{\"status\":\"request_refused\",\"message\":$context.error.messageString}", "{\"status\":\"request_refused\",\"message\":\"$context.error.messageString\"}",
            "            application/json: '{\"status\":\"request_refused\"", "DEFAULT_4XX's template does not give JSON"
        },
        {
            "a 5XX worded unlike the functions' 500",
            "'{\"status\":\"internal_error\",\"message\":\"Something went wrong on our side. Please try again.\"}'", "'{\"status\":\"internal_error\",\"message\":\"Internal server error\"}'",
            "            application/json: '{\"status\":\"internal_error\"", "DEFAULT_5XX must answer as the functions' own 500 does"
        },
        {
            "Retry-After and retryAfterSeconds disagree",
            "              Retry-After: \"'1'\"\n", "              Retry-After: \"'5'\"\n",
            "            application/json: '{\"status\":\"throttled\"", "THROTTLED's Retry-After header (5) and retryAfterSeconds (1) must say the same"
        },
        {
            "cached gateway answers",
            "        DEFAULT_4XX:\n          ResponseParameters:\n            Headers:\n" + OriginLine + "              Access-Control-Expose-Headers: !If [HasCorsOrigin, \"'Retry-After'\", !Ref AWS::NoValue]\n              Cache-Control: \"'no-store'\"\n",
            "        DEFAULT_4XX:\n          ResponseParameters:\n            Headers:\n" + OriginLine + "              Access-Control-Expose-Headers: !If [HasCorsOrigin, \"'Retry-After'\", !Ref AWS::NoValue]\n",
            "        DEFAULT_4XX:\n          ResponseParameters:", "DEFAULT_4XX's headers with CorsAllowedOrigin set are"
        },
        {
            "a fallback with a status of its own",
            "        DEFAULT_5XX:\n", "        DEFAULT_5XX:\n          StatusCode: 500\n",
            "          StatusCode: 500", "DEFAULT_5XX must not set StatusCode"
        },
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public void BrokenTemplate_IsReported(string name, string find, string replace, string? lineMarker, string expected)
    {
        var (broken, prefix) = TemplateBreak.Apply(Yaml, name, find, replace, lineMarker);

        var problems = new TemplateContractTests(broken).GatewayResponseProblems().ToList();

        TemplateBreak.AssertReported(problems, name, prefix, expected);
    }

    [Fact]
    public void UnbrokenTemplate_HasNoGatewayResponseProblems() =>
        Assert.Empty(new TemplateContractTests(CfnTemplate.Parse(Yaml)).GatewayResponseProblems());
}
