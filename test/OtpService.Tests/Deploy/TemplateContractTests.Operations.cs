using System.Globalization;
using System.Text.RegularExpressions;
using OtpService.Core.Rules;
using OtpService.Core.Lambda;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// Issue 9's deploy contract: one parameter per function feeds its Timeout and the budget the code
/// computes; alarms watch metric names the code emits (Core/Lambda/MetricNames.cs), on the
/// functions' own dimension, and notify only when asked; logs reach CloudWatch as the code writes
/// them; the sender address cannot be a placeholder.
/// </summary>
public sealed partial class TemplateContractTests
{
    private const string TimeoutVariable = "OTP_FUNCTION_TIMEOUT_SECONDS";

    /// <summary>API Gateway's REST integration timeout is 29 s: a function must answer before it.</summary>
    private const int ApiGatewayIntegrationTimeoutSeconds = 29;

    /// <summary>Names of the RFC 2606 domains the sender pattern must refuse, and real-looking ones it must accept.</summary>
    public static TheoryData<string, bool> SenderAddresses => new()
    {
        { "no-reply@example.com", false },
        { "No-Reply@EXAMPLE.COM", false },
        { "otp@mail.example.org", false },
        { "otp@example.net", false },
        { "otp@shop.example", false },
        { "otp@site.test", false },
        { "otp@host.invalid", false },
        { "otp@box.localhost", false },
        { "not-an-address", false },
        { "no-reply@acme-widgets.io", true },
        { "otp@mail.examples.com", true },
        { "otp@myexample.com", true },
        { "otp@example.com.au", true },
    };

    [Fact]
    public void EveryFunction_GetsItsTimeoutAndItsBudgetFromOneParameter() =>
        AssertNone(TimeoutProblems());

    [Fact]
    public void Alarms_WatchMetricsTheCodeEmits_AndNotifyOnlyWhenAsked() =>
        AssertNone(AlarmProblems());

    [Fact]
    public void Logging_IsTextFormat_SoStdoutLinesReachCloudWatchUnchanged() =>
        AssertNone(LoggingProblems());

    [Fact]
    public void SenderAddress_HasNoDefault_AndSamconfigSetsNone() =>
        AssertNone(SenderProblems());

    [Theory]
    [MemberData(nameof(SenderAddresses))]
    public void SenderAddress_PatternRefusesTheNamesReservedForExamples(string address, bool accepted)
    {
        var pattern = _template.Root["Parameters"]?["SenderAddress"]?["AllowedPattern"]?.Value;
        Assert.NotNull(pattern);

        // CloudFormation matches the whole value (Java's String.matches); .NET reads this pattern the same way.
        Assert.Equal(accepted, Regex.IsMatch(address, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1)));
    }

    /// <summary>
    /// Each function's Timeout and its OTP_FUNCTION_TIMEOUT_SECONDS are the same !Ref of a Number
    /// parameter; an API function's parameter stays under API Gateway's 29 s and above the code's
    /// 3 s minimum; every value the sender's parameter allows leaves room to mail one record.
    /// </summary>
    internal IEnumerable<string> TimeoutProblems()
    {
        foreach (var (id, function) in Functions())
        {
            var timeout = _template.FunctionProperty(function, "Timeout");
            var variable = function["Properties"]?["Environment"]?["Variables"]?[TimeoutVariable]
                ?? _template.Root["Globals"]?["Function"]?["Environment"]?["Variables"]?[TimeoutVariable];
            if (timeout?.Intrinsic is not { Name: "Ref" } timeoutRef || variable?.Describe() != timeout.Describe())
            {
                yield return $"{timeout?.Where ?? function.Where}: {id} Timeout '{timeout?.Describe()}' and {TimeoutVariable} '{variable?.Describe()}' must be the same !Ref of one parameter (the code's budget must match Lambda's timeout).";
                continue;
            }

            var parameter = _template.Root["Parameters"]?[timeoutRef.Argument.Value ?? ""];
            if (parameter?["Type"]?.Value != "Number"
                || !int.TryParse(parameter["MinValue"]?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var min)
                || !int.TryParse(parameter["MaxValue"]?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var max))
            {
                yield return $"{parameter?.Where ?? timeout.Where}: {id}'s timeout parameter must be a Number with MinValue and MaxValue.";
                continue;
            }

            if (min < 3 || max > 900)
            {
                yield return $"{parameter.Where}: {id}'s timeout parameter allows {min}..{max}; the code accepts 3..900 (OtpSettings).";
            }

            var isApi = (function["Properties"]?["Events"]?.Entries ?? []).Any(e => e.Value["Type"]?.Value == "Api");
            if (isApi && max >= ApiGatewayIntegrationTimeoutSeconds)
            {
                yield return $"{parameter.Where}: {id} serves API Gateway, whose integration timeout is {ApiGatewayIntegrationTimeoutSeconds} s; its timeout parameter allows {max}.";
            }

            if (!isApi && Enumerable.Range(min, max - min + 1).FirstOrDefault(t => InvocationBudget.ForTimeout(t) is var b && b.MailRecordAllowance > b.Budget) is > 0 and var tooShort)
            {
                yield return $"{parameter.Where}: {id}'s timeout parameter allows {tooShort} s, too short to claim, send and mark one mail within the budget (InvocationBudget.MailRecordAllowance).";
            }
        }
    }

    /// <summary>
    /// Every alarm notifies through the AlarmNotification conditions; every alarm on the code's own
    /// namespace watches a metric the code emits, on the function that emits it; and the alarms
    /// issue 9 asks for exist.
    /// </summary>
    internal IEnumerable<string> AlarmProblems()
    {
        var alarms = _template.Resources("AWS::CloudWatch::Alarm").ToList();
        var functionNames = Functions().ToDictionary(f => f.LogicalId, f => f.Resource["Properties"]?["FunctionName"]?.Describe() ?? "", StringComparer.Ordinal);
        var emittedBy = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal)
        {
            ["GenerateOtpFunction"] = MetricNames.ApiMetrics.Select(MetricNames.Name).ToHashSet(StringComparer.Ordinal),
            ["VerifyOtpFunction"] = MetricNames.ApiMetrics.Select(MetricNames.Name).ToHashSet(StringComparer.Ordinal),
            ["SendOtpEmailFunction"] = MetricNames.StreamMetrics.Select(MetricNames.Name).ToHashSet(StringComparer.Ordinal),
        };

        foreach (var (id, alarm) in alarms)
        {
            var p = alarm["Properties"];
            var actions = p?["AlarmActions"];
            if (actions?.Intrinsic is not { Name: "Fn::If" } choice || choice.Argument.Items is not [{ Value: "HasAlarmTarget" }, var chosen, var otherwise]
                || otherwise.Describe() != "!Ref AWS::NoValue" || chosen.Describe() != "[!If [AlarmTargetIsTopic, !Ref AlarmNotification, !Ref AlarmTopic]]")
            {
                yield return $"{actions?.Where ?? alarm.Where}: {id} AlarmActions must be !If [HasAlarmTarget, [!If [AlarmTargetIsTopic, !Ref AlarmNotification, !Ref AlarmTopic]], !Ref AWS::NoValue].";
            }

            if (p?["Namespace"]?.Value != MetricNames.Namespace)
            {
                continue;
            }

            var metric = p["MetricName"]?.Value ?? "";
            var dimensions = p["Dimensions"]?.Items ?? [];
            if (dimensions is not [var dimension] || dimension["Name"]?.Value != MetricNames.FunctionDimension)
            {
                yield return $"{p["Dimensions"]?.Where ?? p.Where}: {id} must have exactly the dimension the code writes, {MetricNames.FunctionDimension} (a metric is its name and all its dimensions).";
                continue;
            }

            var function = functionNames.FirstOrDefault(f => f.Value == dimension["Value"]?.Describe()).Key;
            if (function is null)
            {
                yield return $"{dimension.Where}: {id} watches {MetricNames.FunctionDimension} '{dimension["Value"]?.Describe()}', which is no function's FunctionName.";
            }
            else if (!emittedBy[function].Contains(metric))
            {
                yield return $"{p["MetricName"]?.Where ?? p.Where}: {id} watches {metric}, which {function}'s code never emits (Core/Lambda/MetricNames.cs: {string.Join(", ", emittedBy[function].Order(StringComparer.Ordinal))}).";
            }
        }

        string? Has(string description, Func<CfnNode, bool> matches) =>
            alarms.Any(a => a.Resource["Properties"] is { } p && matches(p)) ? null : $"template.yaml: no alarm {description}.";

        var sender = functionNames.GetValueOrDefault("SendOtpEmailFunction");
        var apiName = _template.Resources("AWS::Serverless::Api").Select(a => a.Resource["Properties"]?["Name"]?.Describe()).FirstOrDefault();
        var required = new List<string?>
        {
            Has("on the failure queue's depth (AWS/SQS ApproximateNumberOfMessagesVisible of StreamFailureQueue)", p =>
                p["Namespace"]?.Value == "AWS/SQS" && p["MetricName"]?.Value == "ApproximateNumberOfMessagesVisible"
                && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == "!GetAtt StreamFailureQueue.QueueName") == true),
            Has($"on {MetricNames.MailFailuresConfiguration} (mail failing for account or configuration reasons)", p =>
                p["MetricName"]?.Value == MetricNames.MailFailuresConfiguration && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == sender) == true),
            Has($"on {MetricNames.MailsUndeliverable}", p =>
                p["MetricName"]?.Value == MetricNames.MailsUndeliverable && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == sender) == true),
            Has($"on {MetricNames.RecordsMalformed} (stream records the sender could not read)", p =>
                p["MetricName"]?.Value == MetricNames.RecordsMalformed && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == sender) == true),
            Has($"on {MetricNames.EventsMalformed} (stream events whose Records the sender could not read)", p =>
                p["MetricName"]?.Value == MetricNames.EventsMalformed && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == sender) == true),
            Has("on the API's 5XXError (AWS/ApiGateway, ApiName of OtpApi)", p =>
                p["Namespace"]?.Value == "AWS/ApiGateway" && p["MetricName"]?.Value == "5XXError" && apiName is not null
                && p["Dimensions"]?.Items.Any(d => d["Name"]?.Value == "ApiName" && d["Value"]?.Describe() == apiName) == true),
        };
        foreach (var api in (string[])["GenerateOtpFunction", "VerifyOtpFunction"])
        {
            var name = functionNames.GetValueOrDefault(api);
            required.Add(Has($"on {api}'s {MetricNames.ConfigurationErrors} (a dependency refusing the deployment, at init or on a request)", p =>
                p["MetricName"]?.Value == MetricNames.ConfigurationErrors && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == name) == true));
        }

        foreach (var (id, _) in Functions())
        {
            foreach (var lambdaMetric in (string[])["Errors", "Throttles"])
            {
                required.Add(Has($"on {id}'s {lambdaMetric} (AWS/Lambda)", p =>
                    p["Namespace"]?.Value == "AWS/Lambda" && p["MetricName"]?.Value == lambdaMetric
                    && p["Dimensions"]?.Items.Any(d => d["Value"]?.Describe() == $"!Ref {id}") == true));
            }
        }

        foreach (var missing in required.OfType<string>())
        {
            yield return missing;
        }

        // Nothing notifies, and no topic exists, unless AlarmNotification is given.
        var parameter = _template.Root["Parameters"]?["AlarmNotification"];
        if (parameter?["Default"]?.Value != "")
        {
            yield return $"{parameter?.Where ?? "template.yaml"}: AlarmNotification must exist with Default '' (alarms notify nobody unless asked).";
        }

        foreach (var (id, topic) in _template.Resources("AWS::SNS::Topic"))
        {
            if (topic["Condition"]?.Value != "AlarmTargetIsEmail")
            {
                yield return $"{topic.Where}: {id} must have Condition AlarmTargetIsEmail (created only for an email address).";
            }
        }
    }

    /// <summary>
    /// LogFormat Text for every function: the code writes whole JSON lines to fd 1 (FunctionOutput),
    /// which Lambda passes through unchanged under Text; JSON would filter and rewrite them by "level".
    /// </summary>
    internal IEnumerable<string> LoggingProblems()
    {
        foreach (var (id, function) in Functions())
        {
            var format = _template.FunctionProperty(function, "LoggingConfig")?["LogFormat"];
            if (format?.Value != "Text")
            {
                yield return $"{format?.Where ?? function.Where}: {id} LoggingConfig.LogFormat must be Text (it is '{format?.Value}'): the functions write their JSON and EMF lines raw to stdout (Core/Lambda/FunctionOutput.cs).";
            }
        }
    }

    /// <summary>SenderAddress has no default and samconfig.toml gives it none, so `sam deploy` cannot succeed without a real one.</summary>
    internal IEnumerable<string> SenderProblems()
    {
        var parameter = _template.Root["Parameters"]?["SenderAddress"];
        if (parameter is null)
        {
            yield return "template.yaml: no SenderAddress parameter.";
            yield break;
        }

        if (parameter["Default"] is { } value)
        {
            yield return $"{value.Where}: SenderAddress has a Default ('{value.Value}'); a deploy must not succeed without the deployer's own verified address.";
        }

        var samconfig = File.ReadAllLines(RepositoryFiles.PathOf("samconfig.toml"));
        for (var i = 0; i < samconfig.Length; i++)
        {
            var line = samconfig[i].TrimStart();
            if (!line.StartsWith('#') && line.Contains("SenderAddress", StringComparison.Ordinal))
            {
                yield return $"samconfig.toml line {i + 1}: sets SenderAddress; a placeholder there lets a plain `sam deploy` create a stack that cannot mail.";
            }
        }
    }
}
