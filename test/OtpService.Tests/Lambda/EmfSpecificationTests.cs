using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// The metric lines against the published Embedded Metric Format specification (checked rule by
/// rule in <see cref="EmfDocument"/>), and the checker against lines that break it, so a pass means something.
/// </summary>
public class EmfSpecificationTests
{
    private static string WriteMetrics(params (Metric Metric, int Count)[] metrics)
    {
        var output = new StringWriter();
        new InvocationLog(output, "SendOtpEmail", TimeProvider.System, "otp-service-SendOtpEmail").WriteMetrics(metrics.Select(o => new KeyValuePair<Metric, int>(o.Metric, o.Count)));
        return output.ToString();
    }

    [Fact]
    public void EveryOutcomeTheCodeCounts_GivesAValidEmfLine_WithEveryNamedMetricAsANumber()
    {
        var outcomes = Enum.GetValues<Metric>().Select((k, i) => (k, i + 1)).ToArray();

        var text = WriteMetrics(outcomes);

        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(EmfDocument.Problems(line));
        using var doc = JsonDocument.Parse(line);
        var directive = Assert.Single(doc.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal("OtpService", directive.GetProperty("Namespace").GetString());
        Assert.Equal("[[\"FunctionName\"]]", directive.GetProperty("Dimensions").GetRawText());
        Assert.All(directive.GetProperty("Metrics").EnumerateArray(), m => Assert.Equal("Count", m.GetProperty("Unit").GetString()));
        Assert.Equal("otp-service-SendOtpEmail", doc.RootElement.GetProperty("FunctionName").GetString());
        var metrics = EmfDocument.Metrics(line);
        foreach (var (outcome, count) in outcomes)
        {
            Assert.Equal(count, metrics[MetricNames.Name(outcome)]);
        }
    }

    [Fact]
    public void TheTimestampIsNowInMilliseconds()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var line = WriteMetrics((Metric.MailsSent, 1)).TrimEnd('\n');
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        using var doc = JsonDocument.Parse(line);
        Assert.InRange(doc.RootElement.GetProperty("_aws").GetProperty("Timestamp").GetInt64(), before, after);
    }

    [Fact]
    public void OutcomesSeenTwice_AreSummed_AndZerosAreLeftOut()
    {
        var line = WriteMetrics((Metric.MailsSent, 2), (Metric.MailsSent, 3), (Metric.MailsSkipped, 0)).TrimEnd('\n');

        Assert.Equal(new Dictionary<string, double> { [MetricNames.MailsSent] = 5 }, EmfDocument.Metrics(line));
    }

    [Fact]
    public void NothingToCount_WritesNoLine() =>
        Assert.Equal("", WriteMetrics((Metric.MailsSent, 0)));

    [Theory]
    [InlineData("superseded", "Superseded")]
    [InlineData("verification_id_mismatch", "VerificationIdMismatch")]
    [InlineData("jwks", "Jwks")]
    [InlineData("sent", MetricNames.CodesIssued)]
    public void EveryApiStatus_IsCountedUnderItsMetric(string status, string metric)
    {
        // The names these statuses were counted under before the metrics were an enum (the PascalCase of the status, or its line).
        Assert.Equal(metric, MetricNames.Name(MetricNames.ForApiStatus(status)));
        Assert.Equal(1, EmfDocument.Metrics(WriteMetrics((MetricNames.ForApiStatus(status), 1)).TrimEnd('\n'))[metric]);
    }

    [Fact]
    public void EveryApiStatusAndStreamOutcome_HasAMetric_AndEveryMetricOneName()
    {
        Assert.All(MetricNames.ApiStatuses, status => Assert.True(Enum.IsDefined(MetricNames.ForApiStatus(status))));
        var answers = Enum.GetValues<OtpService.Core.Rules.GenerateStatus>().Select(s => ApiResponses.For(new OtpService.Core.Rules.GenerateOutcome(s)))
            .Concat(Enum.GetValues<OtpService.Core.Rules.VerifyStatus>().Select(s => ApiResponses.For(new OtpService.Core.Rules.VerifyOutcome(s))))
            .Concat([ApiResponses.Jwks("{}"), ApiResponses.Unavailable, ApiResponses.InternalError]);
        Assert.All(answers, a => Assert.Contains(a.Body.Status, MetricNames.ApiStatuses));
        Assert.Equal(Enum.GetValues<StreamRecordOutcome>().Length - 1, MetricNames.StreamMetrics.Distinct().Count()); // all but Ignored
        Assert.Equal(MetricNames.MailFailuresConfiguration, MetricNames.Name(MetricNames.For(StreamRecordOutcome.MailFailedConfiguration)!.Value));
        var names = Enum.GetValues<Metric>().Select(MetricNames.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricNames.ForApiStatus("token_signed"));
    }

    private const string Valid =
        """{"_aws":{"Timestamp":TS,"CloudWatchMetrics":[{"Namespace":"OtpService","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"MailsSent","Unit":"Count"}]}]},"FunctionName":"f","MailsSent":1}""";

    public static TheoryData<string, string> Broken => new()
    {
        { "the managed runtime's Text prefix", "2026-01-01T00:00:00.000Z\tabc\tinfo\t" + Valid },
        { "the managed runtime's JSON wrapping", "{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"level\":\"Information\",\"message\":" + JsonSerializer.Serialize(Valid) + "}" },
        { "a trailing space", Valid + " " },
        { "seconds instead of milliseconds", Valid.Replace("\"Timestamp\":TS", "\"Timestamp\":SECONDS", StringComparison.Ordinal) },
        { "no Timestamp", Valid.Replace("\"Timestamp\":TS,", "", StringComparison.Ordinal) },
        { "a metric missing from the root", Valid.Replace(",\"MailsSent\":1", "", StringComparison.Ordinal) },
        { "a metric as a string", Valid.Replace("\"MailsSent\":1", "\"MailsSent\":\"1\"", StringComparison.Ordinal) },
        { "a nested metric target", Valid.Replace("\"MailsSent\":1", "\"M\":{\"MailsSent\":1}", StringComparison.Ordinal) },
        { "a dimension missing from the root", Valid.Replace("\"FunctionName\":\"f\",", "", StringComparison.Ordinal) },
        { "a dimension that is a number", Valid.Replace("\"FunctionName\":\"f\"", "\"FunctionName\":7", StringComparison.Ordinal) },
        { "an unknown unit", Valid.Replace("\"Unit\":\"Count\"", "\"Unit\":\"Things\"", StringComparison.Ordinal) },
        { "another storage resolution", Valid.Replace("\"Unit\":\"Count\"", "\"Unit\":\"Count\",\"StorageResolution\":5", StringComparison.Ordinal) },
        { "an extra member in _aws", Valid.Replace("\"_aws\":{", "\"_aws\":{\"Extra\":1,", StringComparison.Ordinal) },
        { "an extra member in a directive", Valid.Replace("\"Namespace\"", "\"Extra\":1,\"Namespace\"", StringComparison.Ordinal) },
        { "no namespace", Valid.Replace("\"Namespace\":\"OtpService\",", "", StringComparison.Ordinal) },
        { "no dimensions", Valid.Replace("\"Dimensions\":[[\"FunctionName\"]],", "", StringComparison.Ordinal) },
        { "101 metrics", Valid.Replace("{\"Name\":\"MailsSent\",\"Unit\":\"Count\"}", string.Join(',', Enumerable.Repeat("{\"Name\":\"MailsSent\"}", 101)), StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void TheChecker_RefusesLinesThatBreakTheSpecification(string name, string line)
    {
        var now = DateTimeOffset.UtcNow;
        string At(string text) => text
            .Replace("SECONDS", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("TS", now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        Assert.Empty(EmfDocument.Problems(At(Valid)));
        Assert.True(EmfDocument.Problems(At(line)).Count > 0, $"{name} should break the specification: {line}");
    }
}
