using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OtpService.Tests.Support;

/// <summary>
/// Checks a log line against the CloudWatch Embedded Metric Format specification
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
/// and its JSON schema), rule by rule, and reads the metric values out of a valid one.
/// </summary>
public static class EmfDocument
{
    /// <summary>The units the specification's schema allows for MetricDefinition.Unit.</summary>
    private static readonly HashSet<string> Units = new(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
        "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    };

    /// <summary>True for a line that claims to be EMF (has an _aws member at its root).</summary>
    public static bool IsEmf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("_aws", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Every way <paramref name="line"/> breaks the specification; empty when it is a valid EMF document.</summary>
    public static IReadOnlyList<string> Problems(string line, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        var problems = new List<string>();
        if (line.Length == 0 || char.IsWhiteSpace(line[0]) || char.IsWhiteSpace(line[^1]) || line.Contains('\n', StringComparison.Ordinal))
        {
            problems.Add("the LogEvent must be one JSON object with no additional data at its beginning or end (and one line: stdout is split at newlines)");
        }

        if (Encoding.UTF8.GetByteCount(line) > 256 * 1024)
        {
            problems.Add("larger than a CloudWatch Logs event (256 KB)");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            problems.Add($"not valid JSON: {e.Message}");
            return problems;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("the root node must be a JSON object");
                return problems;
            }

            if (!root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
            {
                problems.Add("the root node must have an _aws metadata object");
                return problems;
            }

            Unexpected(aws, "_aws", problems, "Timestamp", "CloudWatchMetrics");
            if (!aws.TryGetProperty("Timestamp", out var timestamp) || !timestamp.TryGetInt64(out var ms))
            {
                problems.Add("_aws.Timestamp must be an integer: milliseconds after 1970-01-01T00:00:00Z");
            }
            else if (Math.Abs(ms - (now ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds()) > TimeSpan.FromDays(14).TotalMilliseconds)
            {
                problems.Add($"_aws.Timestamp {ms} is not a time near now in milliseconds (seconds by mistake?)");
            }

            if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array || directives.GetArrayLength() == 0)
            {
                problems.Add("_aws.CloudWatchMetrics must be a non-empty array of MetricDirective objects");
                return problems;
            }

            var i = 0;
            foreach (var directive in directives.EnumerateArray())
            {
                Directive(root, directive, $"_aws.CloudWatchMetrics[{i++}]", problems);
            }
        }

        return problems;
    }

    /// <summary>The metric values of a valid EMF line, by name (a number, or the sum of an array of numbers).</summary>
    public static Dictionary<string, double> Metrics(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var directive in doc.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray())
        {
            foreach (var metric in directive.GetProperty("Metrics").EnumerateArray())
            {
                var name = metric.GetProperty("Name").GetString()!;
                var target = doc.RootElement.GetProperty(name);
                values[name] = target.ValueKind == JsonValueKind.Array ? target.EnumerateArray().Sum(v => v.GetDouble()) : target.GetDouble();
            }
        }

        return values;
    }

    /// <summary>The EMF lines of a log (one line per event), each checked against the specification first.</summary>
    public static IReadOnlyList<string> LinesIn(string logs)
    {
        var lines = logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Where(IsEmf).ToList();
        foreach (var line in lines)
        {
            var problems = Problems(line);
            if (problems.Count > 0)
            {
                throw new InvalidOperationException($"Not a valid EMF line ({string.Join("; ", problems)}): {line}");
            }
        }

        return lines;
    }

    /// <summary>Every metric counted in the log's EMF lines, summed by name.</summary>
    public static Dictionary<string, double> MetricsIn(string logs)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in LinesIn(logs).SelectMany(Metrics))
        {
            sums[name] = sums.GetValueOrDefault(name) + value;
        }

        return sums;
    }

    /// <summary>A root member of a valid EMF line, as a string (a dimension's value).</summary>
    public static string? Member(string line, string name)
    {
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.TryGetProperty(name, out var value) ? value.ToString() : null;
    }

    private static void Directive(JsonElement root, JsonElement directive, string where, List<string> problems)
    {
        if (directive.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{where} must be a MetricDirective object");
            return;
        }

        Unexpected(directive, where, problems, "Namespace", "Dimensions", "Metrics");
        if (!directive.TryGetProperty("Namespace", out var ns) || ns.ValueKind != JsonValueKind.String || ns.GetString()!.Length is < 1 or > 1024)
        {
            problems.Add($"{where}.Namespace must be a string of 1 to 1024 characters");
        }

        if (!directive.TryGetProperty("Dimensions", out var dimensions) || dimensions.ValueKind != JsonValueKind.Array || dimensions.GetArrayLength() == 0)
        {
            problems.Add($"{where}.Dimensions must be a non-empty array of DimensionSet arrays");
        }
        else
        {
            var s = 0;
            foreach (var set in dimensions.EnumerateArray())
            {
                var at = $"{where}.Dimensions[{s++}]";
                if (set.ValueKind != JsonValueKind.Array || set.GetArrayLength() > 30)
                {
                    problems.Add($"{at} must be an array of at most 30 dimension keys");
                    continue;
                }

                foreach (var key in set.EnumerateArray())
                {
                    var name = key.ValueKind == JsonValueKind.String ? key.GetString()! : "";
                    if (name.Length is < 1 or > 250)
                    {
                        problems.Add($"{at} holds a dimension key that is not a string of 1 to 250 characters");
                    }
                    else if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length > 1024)
                    {
                        problems.Add($"{at}: the dimension target member '{name}' must be on the root node with a string value of at most 1024 characters");
                    }
                }
            }
        }

        if (!directive.TryGetProperty("Metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array || metrics.GetArrayLength() > 100)
        {
            problems.Add($"{where}.Metrics must be an array of at most 100 MetricDefinition objects");
            return;
        }

        var m = 0;
        foreach (var metric in metrics.EnumerateArray())
        {
            var at = $"{where}.Metrics[{m++}]";
            if (metric.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{at} must be a MetricDefinition object");
                continue;
            }

            Unexpected(metric, at, problems, "Name", "Unit", "StorageResolution");
            var name = metric.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            if (name.Length is < 1 or > 1024)
            {
                problems.Add($"{at}.Name must be a string of 1 to 1024 characters");
            }
            else if (!root.TryGetProperty(name, out var target) || !IsMetricValue(target))
            {
                problems.Add($"{at}: the metric target member '{name}' must be on the root node with a number or an array of at most 100 numbers");
            }

            if (metric.TryGetProperty("Unit", out var unit) && (unit.ValueKind != JsonValueKind.String || !Units.Contains(unit.GetString()!)))
            {
                problems.Add($"{at}.Unit '{unit}' is not a CloudWatch unit");
            }

            if (metric.TryGetProperty("StorageResolution", out var resolution) && !(resolution.TryGetInt32(out var r) && r is 1 or 60))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{at}.StorageResolution must be 1 or 60"));
            }
        }
    }

    private static bool IsMetricValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => true,
        JsonValueKind.Array => value.GetArrayLength() <= 100 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number),
        _ => false,
    };

    private static void Unexpected(JsonElement element, string where, List<string> problems, params string[] allowed)
    {
        foreach (var property in element.EnumerateObject().Where(p => !allowed.Contains(p.Name, StringComparer.Ordinal)))
        {
            problems.Add($"{where} must not contain the additional member '{property.Name}'");
        }
    }
}
