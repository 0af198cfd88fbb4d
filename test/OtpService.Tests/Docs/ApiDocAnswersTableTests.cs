using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>docs/api.md's answers table ("Routes and answers") lists every verify answer the code gives, with its HTTP status, status word and message.</summary>
public class ApiDocAnswersTableTests
{
    public static TheoryData<VerifyStatus> VerifyStatuses() => [.. Enum.GetValues<VerifyStatus>()];

    [Theory]
    [MemberData(nameof(VerifyStatuses))]
    public void EveryVerifyAnswer_IsARowOfTheApiDocsTable(VerifyStatus status)
    {
        var answer = ApiResponses.For(new VerifyOutcome(status));
        var doc = File.ReadAllLines(RepositoryFiles.PathOf("docs", "api.md"));

        var row = doc.FirstOrDefault(l => l.StartsWith($"| verify | {answer.StatusCode} | `{answer.Body.Status}` |", StringComparison.Ordinal));

        Assert.True(row is not null, $"docs/api.md's table has no row '| verify | {answer.StatusCode} | `{answer.Body.Status}` |'");
        if (!row.Contains("(or", StringComparison.Ordinal))
        {
            // A row that lists variants ("(or: ...)") words them shorter; every other row gives the message as sent.
            Assert.Contains(answer.Body.Message, row, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSentRow_NamesTheVerificationId()
    {
        var row = File.ReadAllLines(RepositoryFiles.PathOf("docs", "api.md")).First(l => l.StartsWith("| generate | 202 | `sent` |", StringComparison.Ordinal));

        Assert.Contains("`verificationId`", row, StringComparison.Ordinal);
    }
}
