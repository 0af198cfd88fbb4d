using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// The log and EMF lines are written from one reused buffer per thread: each line is whole, ends
/// with the writer's newline, holds nothing of the line before it, and costs little allocation
/// once the buffer has grown (a fresh buffer per line grew several times: about 5.8 KB per log
/// line, 1.5 KB per EMF line, measured with the benchmark's <c>alloc</c> subset).
/// </summary>
public sealed class InvocationLogLineTests
{
    [Fact]
    public void Lines_AreWhole_EachEndsWithTheNewline_AndCarryNothingOfTheLineBefore()
    {
        using var output = new StringWriter { NewLine = "\n" };
        var log = new InvocationLog(output, "test", TimeProvider.System);

        log.Write("INFO", [new("route", "generate"), new("note", "a-rather-long-note-value-" + new string('x', 300))]);
        log.Write("INFO", [new("route", "verify"), new("httpStatus", 200)]);
        log.WriteMetrics([new(MetricNames.ForApiStatus("verified"), 1)]);

        var lines = output.ToString().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
        Assert.Contains("\"note\":\"a-rather-long-note-value-", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("\"route\":\"verify\",\"httpStatus\":200}", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("note", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("{\"_aws\":", lines[2], StringComparison.Ordinal);
        Assert.All(lines[..3], line => Assert.Equal('}', line[^1]));
    }

    [Fact]
    public void Lines_CarryTheTimeOfTheClockTheLogIsGiven()
    {
        // One clock (issue 20): the log line's time and the EMF timestamp are the function's clock, not the machine's.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2031, 4, 5, 6, 7, 8, 9, TimeSpan.Zero));
        using var output = new StringWriter { NewLine = "\n" };
        var log = new InvocationLog(output, "test", clock);

        log.Write("INFO", [new("route", "generate")]);
        log.WriteMetrics([new(MetricNames.ForApiStatus("verified"), 1)]);

        var lines = output.ToString().Split('\n');
        using var line = System.Text.Json.JsonDocument.Parse(lines[0]);
        using var metrics = System.Text.Json.JsonDocument.Parse(lines[1]);
        Assert.Equal(clock.GetUtcNow(), line.RootElement.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), metrics.RootElement.GetProperty("_aws").GetProperty("Timestamp").GetInt64());
    }

    [Fact]
    public void Lines_AfterTheFirst_AllocateUnderAKilobyteEach()
    {
        var log = new InvocationLog(TextWriter.Null, "test", TimeProvider.System);
        KeyValuePair<string, object?>[] fields =
        [
            new("requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
            new("route", "verify"),
            new("method", "POST"),
            new("outcome", "verified"),
            new("httpStatus", 200),
            new("address", "u***@example.com"),
            new("durationMs", 1.234),
        ];
        KeyValuePair<Metric, int>[] counts = [new(MetricNames.ForApiStatus("verified"), 1)];
        log.Write("INFO", fields);
        log.WriteMetrics(counts);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            log.Write("INFO", fields);
            log.WriteMetrics(counts);
        }

        var perPair = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        Assert.True(perPair < 1024, $"{perPair} bytes allocated per log line and EMF line");
    }
}
