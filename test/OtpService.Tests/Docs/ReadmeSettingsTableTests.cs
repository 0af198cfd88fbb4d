using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>README's "Configure it" table is a choice of docs/configuration.md's rows, each word for word, so the two never disagree.</summary>
public class ReadmeSettingsTableTests
{
    [Fact]
    public void EveryReadmeSettingsRow_IsARowOfTheFullList()
    {
        var full = File.ReadAllLines(RepositoryFiles.PathOf("docs", "configuration.md")).ToHashSet(StringComparer.Ordinal);
        var rows = ReadmeRows();

        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.True(full.Contains(row), $"docs/configuration.md has no row{Environment.NewLine}{row}"));
    }

    /// <summary>The variable rows of the table in README's "Configure it" section, its links as docs/ writes them (relative to docs/).</summary>
    private static List<string> ReadmeRows()
    {
        var lines = File.ReadAllLines(RepositoryFiles.PathOf("README.md"));
        var start = Array.IndexOf(lines, "## Configure it");
        Assert.True(start >= 0, "README has no section '## Configure it'");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Replace("](docs/", "](", StringComparison.Ordinal)).ToList();
    }
}
