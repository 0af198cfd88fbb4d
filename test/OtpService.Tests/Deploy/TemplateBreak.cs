using System.Globalization;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// One way of breaking template.yaml in memory, for the break tests: a text that occurs once is
/// replaced, and the problem must start with the line where the marker's last line is.
/// </summary>
internal static class TemplateBreak
{
    /// <summary>The broken template, and the prefix its problem must start with ("" when <paramref name="lineMarker"/> is null).</summary>
    public static (CfnTemplate Broken, string Prefix) Apply(string yaml, string name, string find, string replace, string? lineMarker)
    {
        var at = yaml.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0 && yaml.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"{name}: the text to break must occur once in template.yaml: {find}");
        var broken = string.Concat(yaml.AsSpan(0, at), replace, yaml.AsSpan(at + find.Length));
        var prefix = "";
        if (lineMarker is not null)
        {
            var markerAt = broken.IndexOf(lineMarker, StringComparison.Ordinal);
            Assert.True(markerAt >= 0, $"{name}: marker not found: {lineMarker}");
            var line = broken.AsSpan(0, markerAt + lineMarker.TrimEnd('\n').LastIndexOf('\n') + 1).Count('\n') + 1;
            prefix = $"template.yaml line {line.ToString(CultureInfo.InvariantCulture)}:";
        }

        return (CfnTemplate.Parse(broken), prefix);
    }

    /// <summary>Fails unless one problem starts with <paramref name="prefix"/> and contains <paramref name="expected"/>.</summary>
    public static void AssertReported(IReadOnlyCollection<string> problems, string name, string prefix, string expected) =>
        Assert.True(
            problems.Any(p => p.StartsWith(prefix, StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal)),
            $"{name}: expected a problem starting \"{prefix}\" containing \"{expected}\"; got:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
}
