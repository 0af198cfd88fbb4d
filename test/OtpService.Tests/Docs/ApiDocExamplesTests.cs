using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>docs/api.md's C# example is the code compiled in OtpService.TestSupport/Docs/ApiDocTokenCheck.cs (and run by the integration tests' Local/RelyingPartyTests), word for word.</summary>
public class ApiDocExamplesTests
{
    [Fact]
    public void TheApiDocsCSharpTokenCheck_IsTheCompiledOne()
    {
        var source = File.ReadAllText(RepositoryFiles.PathOf("test", "OtpService.TestSupport", "Docs", "ApiDocTokenCheck.cs")).ReplaceLineEndings("\n");
        var region = source[(source.IndexOf("// docs/api.md: begin\n", StringComparison.Ordinal) + "// docs/api.md: begin\n".Length)..source.IndexOf("// docs/api.md: end", StringComparison.Ordinal)];
        var doc = File.ReadAllText(RepositoryFiles.PathOf("docs", "api.md")).ReplaceLineEndings("\n");

        Assert.Contains("```csharp\nusing Microsoft.IdentityModel.JsonWebTokens;\nusing Microsoft.IdentityModel.Tokens;\n\n" + region + "```", doc, StringComparison.Ordinal);
    }
}
