using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// One JSON line per invocation on stdout (CloudWatch Logs in Lambda), and one CloudWatch Embedded
/// Metric Format line with the invocation's counts. It takes named fields only, never an event or a
/// request, so a code, nonce or key has no way in; addresses are masked.
/// </summary>
/// <param name="output">Where lines go: <see cref="FunctionOutput.For"/> in Lambda, any writer in tests.</param>
/// <param name="function">The function's name in the code (GenerateOtp, VerifyOtp, SendOtpEmail), written on every log line.</param>
/// <param name="clock">The time each line carries (the function's clock).</param>
/// <param name="deployedName">The name Lambda runs it under (AWS_LAMBDA_FUNCTION_NAME), the metrics' dimension; <paramref name="function"/> when null.</param>
public sealed class InvocationLog(TextWriter output, string function, TimeProvider clock, string? deployedName = null)
{
    private static readonly AsyncLocal<bool> Silenced = new();

    /// <summary>The value of the metrics' <see cref="MetricNames.FunctionDimension"/> dimension.</summary>
    public string MetricsFunctionName { get; } = string.IsNullOrEmpty(deployedName) ? function : deployedName;

    public void Write(string level, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var line = LineBuffer.Start();
        var json = line.Json;
        {
            json.WriteStartObject();
            json.WriteString("time", clock.GetUtcNow());
            json.WriteString("level", level);
            json.WriteString("function", function);
            foreach (var (name, value) in fields)
            {
                switch (value)
                {
                    case null:
                        break;
                    case int number:
                        json.WriteNumber(name, number);
                        break;
                    case long number:
                        json.WriteNumber(name, number);
                        break;
                    case double number:
                        json.WriteNumber(name, Math.Round(number, 3));
                        break;
                    default:
                        json.WriteString(name, value.ToString());
                        break;
                }
            }

            json.WriteEndObject();
        }

        if (!Silenced.Value)
        {
            line.WriteLineTo(output);
        }
    }

    /// <summary>
    /// Writes one EMF line (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
    /// counting each metric once per occurrence, in namespace <see cref="MetricNames.Namespace"/>,
    /// dimension <see cref="MetricNames.FunctionDimension"/>. Nothing is written when there is nothing to count.
    /// </summary>
    /// <param name="metrics">Metrics and how often each happened (a metric given twice is summed); named by <see cref="MetricNames.Name"/>.</param>
    public void WriteMetrics(IEnumerable<KeyValuePair<Metric, int>> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (metric, count) in metrics)
        {
            if (count > 0)
            {
                var name = MetricNames.Name(metric);
                counts[name] = counts.GetValueOrDefault(name) + count;
            }
        }

        if (counts.Count == 0)
        {
            return;
        }

        var line = LineBuffer.Start();
        var json = line.Json;
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", clock.GetUtcNow().ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", MetricNames.Namespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(MetricNames.FunctionDimension);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var name in counts.Keys)
            {
                json.WriteStartObject();
                json.WriteString("Name", name);
                json.WriteString("Unit", "Count");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString(MetricNames.FunctionDimension, MetricsFunctionName);
            foreach (var (name, count) in counts)
            {
                json.WriteNumber(name, count);
            }

            json.WriteEndObject();
        }

        if (!Silenced.Value)
        {
            line.WriteLineTo(output);
        }
    }

    /// <summary>
    /// Inside the returned scope (and the calls it awaits), lines are built as usual and then dropped:
    /// for the calls a function makes to warm itself before a SnapStart snapshot, which are not
    /// requests and must not show as one in the log or the metrics.
    /// </summary>
    public static IDisposable Silence()
    {
        var previous = Silenced.Value;
        Silenced.Value = true;
        return new SilenceScope(previous);
    }

    /// <summary>"j***@example.com": enough to follow one user's requests, not enough to harvest addresses.</summary>
    public static string? MaskAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        var trimmed = address.Trim().ToLowerInvariant();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
        {
            return "***";
        }

        var domain = trimmed[(at + 1)..];
        return $"{trimmed[0]}***@{(domain.Length > 64 ? domain[..64] : domain)}";
    }

    /// <summary>
    /// One reusable buffer per thread for the log and EMF lines: Utf8JsonWriter asks its buffer for
    /// room for the worst case of every value (escaped, transcoded), so a fresh buffer per line grew
    /// several times (5.8 KB allocated per log line, 1.5 KB per EMF line); kept, it has grown once.
    /// </summary>
    private sealed class LineBuffer
    {
        [ThreadStatic]
        private static LineBuffer? _current;

        private readonly ArrayBufferWriter<byte> _bytes = new(1024);
        private char[] _chars = new char[1024];

        private LineBuffer() => Json = new Utf8JsonWriter(_bytes);

        public Utf8JsonWriter Json { get; }

        public static LineBuffer Start()
        {
            var line = _current ??= new LineBuffer();
            line._bytes.ResetWrittenCount();
            line.Json.Reset(line._bytes);
            return line;
        }

        /// <summary>The line and the writer's newline in one Write, so lines from concurrent invocations never interleave.</summary>
        public void WriteLineTo(TextWriter output)
        {
            Json.Flush();
            var newLine = output.NewLine;
            var needed = Encoding.UTF8.GetMaxCharCount(_bytes.WrittenCount) + newLine.Length;
            if (_chars.Length < needed)
            {
                _chars = new char[Math.Max(needed, _chars.Length * 2)];
            }

            var length = Encoding.UTF8.GetChars(_bytes.WrittenSpan, _chars);
            newLine.CopyTo(0, _chars, length, newLine.Length);
            output.Write(_chars, 0, length + newLine.Length);
        }
    }

    private sealed class SilenceScope(bool previous) : IDisposable
    {
        public void Dispose() => Silenced.Value = previous;
    }
}
