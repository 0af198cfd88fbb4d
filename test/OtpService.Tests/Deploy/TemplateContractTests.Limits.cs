using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>template.yaml's abuse-limit parts (issue 11): the optional WAF web ACL and the parameters behind the new variables.</summary>
public sealed partial class TemplateContractTests
{
    [Fact]
    public void Waf_IsOptionalAndOffByDefault_RateLimitsPerIpAndPerEmailAddress_OnTheApiStage() =>
        AssertNone(WafProblems());

    [Fact]
    public void LimitParameters_HaveTheCodesDefaults_AndFeedTheirVariables() =>
        AssertNone(LimitParameterProblems());

    internal IEnumerable<string> WafProblems()
    {
        var enable = _template.Root["Parameters"]?["EnableWaf"];
        if (enable?["Default"]?.Value != "false")
        {
            yield return $"{enable?.Where ?? "template.yaml"}: EnableWaf must exist and default to 'false'.";
        }

        var condition = _template.Root["Conditions"]?["WithWaf"];
        if (condition?.Describe() is not { } text || !text.Contains("EnableWaf", StringComparison.Ordinal) || !text.Contains("true", StringComparison.Ordinal))
        {
            yield return $"{condition?.Where ?? "template.yaml"}: the WithWaf condition must test EnableWaf = 'true'.";
        }

        var wafResources = (_template.Root["Resources"]?.Entries ?? []).Where(r => r.Value["Type"]?.Value?.StartsWith("AWS::WAFv2::", StringComparison.Ordinal) == true).ToList();
        foreach (var (id, resource) in wafResources.Where(r => r.Value["Condition"]?.Value != "WithWaf"))
        {
            yield return $"{resource.Where}: {id} must carry Condition: WithWaf, so no WAF is billed unless asked for.";
        }

        var acl = wafResources.FirstOrDefault(r => r.Value["Type"]?.Value == "AWS::WAFv2::WebACL").Value;
        if (acl is null)
        {
            yield return "template.yaml: no AWS::WAFv2::WebACL.";
            yield break;
        }

        if (acl["Properties"]?["Scope"]?.Value != "REGIONAL" || acl["Properties"]?["DefaultAction"]?["Allow"] is null)
        {
            yield return $"{acl.Where}: the web ACL must be REGIONAL (an API Gateway stage) and allow by default.";
        }

        var statements = (acl["Properties"]?["Rules"]?.Items ?? []).Select(r => (Rule: r, Rate: r["Statement"]?["RateBasedStatement"])).ToList();
        if (!statements.Any(s => s.Rate?["AggregateKeyType"]?.Value == "IP" && s.Rule["Action"]?["Block"] is not null))
        {
            yield return $"{acl.Where}: no blocking rate-based rule keyed by IP.";
        }

        var byAddress = statements.Where(s => s.Rate?["CustomKeys"]?.Items.Any(k => k["QueryArgument"]?["Name"]?.Value == "email_address") == true).ToList();
        if (byAddress.Count != 1 || byAddress[0].Rule["Action"]?["Block"] is null)
        {
            yield return $"{acl.Where}: no blocking rate-based rule keyed by the email_address query argument.";
        }
        else if (!(byAddress[0].Rate!["CustomKeys"]!.Items[0]["QueryArgument"]!["TextTransformations"]?.Items ?? []).Any(t => t["Type"]?.Value == "LOWERCASE"))
        {
            yield return $"{byAddress[0].Rule.Where}: the email_address key must be lower-cased, or changing case gives a new key.";
        }

        var association = wafResources.FirstOrDefault(r => r.Value["Type"]?.Value == "AWS::WAFv2::WebACLAssociation").Value;
        var arn = association?["Properties"]?["ResourceArn"]?.Describe() ?? "";
        if (association is null || !arn.Contains("${OtpApi}", StringComparison.Ordinal) || !arn.Contains("/stages/Prod", StringComparison.Ordinal))
        {
            yield return $"{association?.Where ?? "template.yaml"}: the web ACL must be associated with OtpApi's Prod stage.";
        }
    }

    internal IEnumerable<string> LimitParameterProblems()
    {
        var defaults = new OtpService.Core.Rules.OtpSettings();
        var expected = new (string Parameter, string Variable, string Default)[]
        {
            ("OtpMaxAttemptsAllClients", "OTP_MAX_ATTEMPTS_ALL_CLIENTS", $"{defaults.MaxAttemptsAllClients}"),
            ("FailuresBeforeLongCodes", "OTP_FAILURES_BEFORE_LONG_CODES", $"{defaults.FailuresBeforeLongCodes}"),
            ("FailureForgiveSeconds", "OTP_FAILURE_FORGIVE_SECONDS", $"{defaults.FailureForgiveSeconds}"),
            ("OtpLengthUnderAttack", "OTP_LENGTH_UNDER_ATTACK", $"{defaults.LongCodeLength}"),
            ("ClientMaxRequestsPerHour", "OTP_CLIENT_MAX_REQUESTS_PER_HOUR", $"{defaults.ClientMaxRequestsPerHour}"),
            ("ClientMaxAddressesPerHour", "OTP_CLIENT_MAX_ADDRESSES_PER_HOUR", $"{defaults.ClientMaxAddressesPerHour}"),
            ("ClientMaxFailuresPerHour", "OTP_CLIENT_MAX_FAILURES_PER_HOUR", $"{defaults.ClientMaxFailuresPerHour}"),
            ("ClientMaxSendsPerAddressPerHour", "OTP_CLIENT_MAX_SENDS_PER_ADDRESS_PER_HOUR", $"{defaults.ClientMaxSendsPerAddressPerHour}"),
            ("MaxSendsPerMinute", "OTP_MAX_SENDS_PER_MINUTE", $"{defaults.MaxSendsPerMinute}"),
            ("ClientIpHeader", "OTP_CLIENT_IP_HEADER", ""),
            ("GenerateAllowGet", "OTP_GENERATE_ALLOW_GET", "true"),
            ("RequireVerificationId", "OTP_REQUIRE_VERIFICATION_ID", "false"),
        };
        var variables = _template.Root["Globals"]?["Function"]?["Environment"]?["Variables"];
        foreach (var (parameter, variable, value) in expected)
        {
            var node = _template.Root["Parameters"]?[parameter];
            if (node is null)
            {
                yield return $"template.yaml: no parameter {parameter} (feeds {variable}).";
                continue;
            }

            if ((node["Default"]?.Value ?? "") != value)
            {
                yield return $"{node.Where}: {parameter} defaults to '{node["Default"]?.Value}', the code to '{value}'.";
            }

            if (variables?[variable]?.Describe() != $"!Ref {parameter}")
            {
                yield return $"{variables?.Where ?? "template.yaml"}: Globals must set {variable} to !Ref {parameter}.";
            }
        }

        // A counted limit's window is one DynamoDB item: no parameter may ask for more than an item holds.
        foreach (var parameter in (string[])["ClientMaxRequestsPerHour", "ClientMaxFailuresPerHour", "MaxSendsPerMinute"])
        {
            var node = _template.Root["Parameters"]?[parameter];
            if (node?["MaxValue"]?.Value != $"{OtpService.Core.Rules.WindowCapacity.MaxTokens}")
            {
                yield return $"{node?.Where ?? "template.yaml"}: {parameter} MaxValue is '{node?["MaxValue"]?.Value}'; a window item holds at most {OtpService.Core.Rules.WindowCapacity.MaxTokens} tokens (WindowCapacity.MaxTokens), which the code accepts.";
            }
        }
    }
}
