using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>README's C# example is the code compiled in OtpService.TestSupport/Docs/ReadmeTokenCheck.cs (and run by the integration tests' Local/RelyingPartyTests), word for word.</summary>
public class ReadmeExamplesTests
{
    [Fact]
    public void TheReadmesCSharpTokenCheck_IsTheCompiledOne()
    {
        var source = File.ReadAllText(RepositoryFiles.PathOf("test", "OtpService.TestSupport", "Docs", "ReadmeTokenCheck.cs")).ReplaceLineEndings("\n");
        var region = source[(source.IndexOf("// README: begin\n", StringComparison.Ordinal) + "// README: begin\n".Length)..source.IndexOf("// README: end", StringComparison.Ordinal)];
        var readme = File.ReadAllText(RepositoryFiles.PathOf("README.md")).ReplaceLineEndings("\n");

        Assert.Contains("```csharp\nusing Microsoft.IdentityModel.JsonWebTokens;\nusing Microsoft.IdentityModel.Tokens;\n\n" + region + "```", readme, StringComparison.Ordinal);
    }
}
