using System.Text.RegularExpressions;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>
/// The shape of README's quick start, read from README (Local/ReadmeQuickStartRunTests runs it):
/// one runner command, every request with the answer it gives shown under it, each answer's
/// status one of docs/api.md's table.
/// </summary>
public class ReadmeQuickStartTests
{
    [Fact]
    public void RunIt_IsTheRunnersCommandAlone()
    {
        Assert.Equal("dotnet run --project src/OtpService.Local", ReadmeQuickStart.Read().RunCommand);
    }

    [Fact]
    public void CallIt_ShowsTheAnswerOfEveryRequestToTheApi()
    {
        var steps = ReadmeQuickStart.Read().Steps.Where(s => s.Command.Contains("127.0.0.1:3000/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(steps);
        Assert.All(steps, s => Assert.True(s.Expected is not null, $"README shows no answer under: {s.Command}"));
    }

    [Fact]
    public void CallIt_AnswersAreRowsOfTheApiDocsTable()
    {
        var table = File.ReadAllLines(RepositoryFiles.PathOf("docs", "api.md"));
        var shown = ReadmeQuickStart.Read().Steps.Where(s => s.Expected is not null).Select(s => s.Expected!).ToList();

        Assert.NotEmpty(shown);
        foreach (var answer in shown)
        {
            var status = Regex.Match(answer, "^\\{\"status\":\"([a-z_]+)\"").Groups[1].Value;
            Assert.True(table.Any(l => l.StartsWith('|') && l.Contains($"| `{status}` |", StringComparison.Ordinal)), $"docs/api.md has no row for '{status}' ({answer})");
        }
    }

    [Theory]
    [InlineData("{\"status\":\"sent\",\"id\":\"...\"}", "{\"status\":\"sent\",\"id\":\"Ab-_9\"}", true)]
    [InlineData("{\"status\":\"sent\",\"id\":\"...\"}", "{\"status\":\"rate_limited\",\"id\":\"Ab\"}", false)]
    [InlineData("{\"retryAfterSeconds\":...}", "{\"retryAfterSeconds\":29}", true)]
    [InlineData("{\"message\":\"Verified\"}", "{\"message\":\"Verified\"} and more", false)]
    [InlineData("Ready. ...", "Ready. Started in 1.4 s. Ctrl+C stops everything.", true)]
    public void Matches_TakesDotsForAnyTextAndTheRestAsWritten(string shown, string actual, bool matches)
    {
        Assert.Equal(matches, ReadmeQuickStart.Matches(shown, actual));
    }
}
