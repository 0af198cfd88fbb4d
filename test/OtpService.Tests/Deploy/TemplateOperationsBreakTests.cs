using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// The deploy contract's checks seen failing (timeouts, alarms, logging, sender): each case breaks
/// template.yaml in memory in one way and expects a problem saying what is wrong, at the broken
/// line when the marker names one.
/// </summary>
public sealed class TemplateOperationsBreakTests
{
    private static readonly string Yaml = File.ReadAllText(RepositoryFiles.PathOf("template.yaml"));

    private const string Actions = "      AlarmActions: !If [HasAlarmTarget, [!If [AlarmTargetIsTopic, !Ref AlarmNotification, !Ref AlarmTopic]], !Ref AWS::NoValue]\n";

    public static TheoryData<string, string, string, string?, string> Breaks() => new()
    {
        {
            "API timeout as a literal",
            "    Timeout: !Ref FunctionTimeoutSeconds\n", "    Timeout: 10\n",
            null, "GenerateOtpFunction Timeout '10' and OTP_FUNCTION_TIMEOUT_SECONDS '!Ref FunctionTimeoutSeconds' must be the same !Ref of one parameter"
        },
        {
            "sender budget fed by the API parameter",
            "          OTP_FUNCTION_TIMEOUT_SECONDS: !Ref SenderTimeoutSeconds\n", "          OTP_FUNCTION_TIMEOUT_SECONDS: !Ref FunctionTimeoutSeconds\n",
            "      Timeout: !Ref SenderTimeoutSeconds", "SendOtpEmailFunction Timeout '!Ref SenderTimeoutSeconds' and OTP_FUNCTION_TIMEOUT_SECONDS '!Ref FunctionTimeoutSeconds'"
        },
        {
            "API timeout past API Gateway's",
            "    MinValue: 3\n    MaxValue: 28\n", "    MinValue: 3\n    MaxValue: 60\n",
            "  FunctionTimeoutSeconds:\n    Type", "serves API Gateway, whose integration timeout is 29 s; its timeout parameter allows 60"
        },
        {
            "sender timeout too short for one mail",
            "    Default: 30\n    MinValue: 10\n", "    Default: 30\n    MinValue: 5\n",
            "  SenderTimeoutSeconds:\n    Type", "allows 5 s, too short to claim, send and mark one mail"
        },
        {
            "alarm on a metric name the code never emits",
            "      MetricName: MailFailuresConfiguration\n", "      MetricName: MailFailureConfiguration\n",
            "      MetricName: MailFailureConfiguration", "watches MailFailureConfiguration, which SendOtpEmailFunction's code never emits"
        },
        {
            "alarm on the wrong function",
            "      MetricName: MailsUndeliverable\n      Dimensions:\n        - Name: FunctionName\n          Value: !Sub '${AWS::StackName}-SendOtpEmail'\n",
            "      MetricName: MailsUndeliverable\n      Dimensions:\n        - Name: FunctionName\n          Value: !Sub '${AWS::StackName}-GenerateOtp'\n",
            "      MetricName: MailsUndeliverable", "watches MailsUndeliverable, which GenerateOtpFunction's code never emits"
        },
        {
            "alarm on another dimension name",
            "      MetricName: MailsUndeliverable\n      Dimensions:\n        - Name: FunctionName\n",
            "      MetricName: MailsUndeliverable\n      Dimensions:\n        - Name: Function\n",
            "        - Name: Function\n", "must have exactly the dimension the code writes, FunctionName"
        },
        {
            "alarm that always notifies the topic",
            "          Value: Prod\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n" + Actions,
            "          Value: Prod\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: [!Ref AlarmTopic]\n",
            "      AlarmActions: [!Ref AlarmTopic]", "ApiServerErrorAlarm AlarmActions must be !If [HasAlarmTarget"
        },
        {
            "no throttles alarm for a function",
            "  VerifyOtpThrottlesAlarm:\n    Type: AWS::CloudWatch::Alarm\n", "  VerifyOtpThrottlesMetric:\n    Type: AWS::CloudWatch::Dashboard\n",
            null, "no alarm on VerifyOtpFunction's Throttles (AWS/Lambda)"
        },
        {
            "no failure-queue alarm",
            "      MetricName: ApproximateNumberOfMessagesVisible\n", "      MetricName: NumberOfMessagesSent\n",
            null, "no alarm on the failure queue's depth"
        },
        {
            "topic created even without an email address",
            "    Condition: AlarmTargetIsEmail\n    Properties:\n      Subscription:\n", "    Properties:\n      Subscription:\n",
            "  AlarmTopic:\n    Type", "AlarmTopic must have Condition AlarmTargetIsEmail"
        },
        {
            "configuration set that suppresses bounces only",
            "          - BOUNCE\n          - COMPLAINT\n", "          - BOUNCE\n",
            "  MailConfigurationSet:\n    Type", "MailConfigurationSet must set SuppressionOptions.SuppressedReasons to BOUNCE and COMPLAINT (it has BOUNCE)"
        },
        {
            "configuration set without reputation metrics",
            "        ReputationMetricsEnabled: true\n", "        ReputationMetricsEnabled: false\n",
            "  MailConfigurationSet:\n    Type", "MailConfigurationSet must set ReputationOptions.ReputationMetricsEnabled: true"
        },
        {
            "sender not naming the configuration set",
            "          OTP_SES_CONFIGURATION_SET: !Ref MailConfigurationSet\n", "",
            null, "SendOtpEmailFunction's OTP_SES_CONFIGURATION_SET must be !Ref MailConfigurationSet"
        },
        {
            "bounce-rate alarm at SES's review rate itself",
            "      Threshold: 0.02\n", "      Threshold: 0.05\n",
            "      Threshold: 0.05", "the Reputation.BounceRate alarm must fire at a rate of at most half SES's review rate 0.05"
        },
        {
            "complaint-rate alarm on one configuration set only",
            "      MetricName: Reputation.ComplaintRate\n", "      MetricName: Reputation.ComplaintRate\n      Dimensions:\n        - Name: ses:configuration-set\n          Value: !Ref MailConfigurationSet\n",
            null, "the Reputation.ComplaintRate alarm must watch the account's rate (no dimension)"
        },
        {
            "no complaint-rate alarm",
            "      MetricName: Reputation.ComplaintRate\n", "      MetricName: Reputation.ComplaintRateTypo\n",
            null, "no alarm on the account's Reputation.ComplaintRate"
        },
        {
            "JSON log format",
            "      LogFormat: Text\n", "      LogFormat: JSON\n",
            "      LogFormat: JSON", "LoggingConfig.LogFormat must be Text"
        },
        {
            "placeholder sender as a default",
            "  SenderAddress:\n    Type: String\n", "  SenderAddress:\n    Type: String\n    Default: no-reply@example.com\n",
            "    Default: no-reply@example.com", "SenderAddress has a Default ('no-reply@example.com')"
        },
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public void BrokenTemplate_IsReported(string name, string find, string replace, string? lineMarker, string expected)
    {
        var (broken, prefix) = TemplateBreak.Apply(Yaml, name, find, replace, lineMarker);

        var checks = new TemplateContractTests(broken);
        var problems = checks.TimeoutProblems().Concat(checks.AlarmProblems()).Concat(checks.LoggingProblems()).Concat(checks.SenderProblems()).Concat(checks.DeliverabilityProblems()).ToList();

        TemplateBreak.AssertReported(problems, name, prefix, expected);
    }

    [Fact]
    public void UnbrokenTemplate_HasNoOperationsProblems()
    {
        var checks = new TemplateContractTests(CfnTemplate.Parse(Yaml));
        Assert.Empty(checks.TimeoutProblems().Concat(checks.AlarmProblems()).Concat(checks.LoggingProblems()).Concat(checks.SenderProblems()).Concat(checks.DeliverabilityProblems()));
    }
}
