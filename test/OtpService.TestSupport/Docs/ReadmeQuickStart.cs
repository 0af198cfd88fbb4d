using System.Text.RegularExpressions;
using OtpService.Tests.Deploy;

namespace OtpService.Tests.Docs;

/// <summary>
/// README's quick start as a reader pastes it, read from README itself: the command of "Run it",
/// the start banner it shows, and the shell block of "Call it" split into its commands, each with
/// the answer README shows under it (a <c># {...}</c> line; <c>...</c> stands for what varies).
/// </summary>
internal sealed partial record ReadmeQuickStart(string RunCommand, IReadOnlyList<string> BannerLines, string CallBlock, IReadOnlyList<ReadmeQuickStart.Step> Steps)
{
    /// <summary>One command line of the call block and the answer README shows for it (null: none shown).</summary>
    public sealed record Step(string Command, string? Expected);

    public static ReadmeQuickStart Read() => Parse(File.ReadAllText(RepositoryFiles.PathOf("README.md")).ReplaceLineEndings("\n"));

    public static ReadmeQuickStart Parse(string readme)
    {
        var run = Section(readme, "## Run it");
        var runCommand = Blocks(run).First(b => b.Language == "sh").Body.Trim();
        var banner = Blocks(run).First(b => b.Language.Length == 0).Body.TrimEnd('\n').Split('\n');
        var call = Blocks(Section(readme, "## Call it")).First(b => b.Language == "sh").Body;

        var steps = new List<Step>();
        foreach (var line in call.Split('\n'))
        {
            if (line.StartsWith("# {", StringComparison.Ordinal) && steps.Count > 0 && steps[^1].Expected is null)
            {
                steps[^1] = steps[^1] with { Expected = line[2..] };
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                steps.Add(new Step(line, null));
            }
        }

        return new ReadmeQuickStart(runCommand, banner, call, steps);
    }

    /// <summary>True when <paramref name="actual"/> is <paramref name="shown"/>, each <c>...</c> standing for any text.</summary>
    public static bool Matches(string shown, string actual) =>
        Regex.IsMatch(actual, "^" + string.Join(".*", shown.Split("...").Select(Regex.Escape)) + "$", RegexOptions.Singleline);

    private static string Section(string text, string heading)
    {
        var start = text.IndexOf("\n" + heading, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"README has no section '{heading}'");
        }

        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    private static IEnumerable<(string Language, string Body)> Blocks(string text) =>
        FencedBlock().Matches(text).Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    [GeneratedRegex(@"```(\w*)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
