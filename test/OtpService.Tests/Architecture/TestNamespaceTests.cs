using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// A test's namespace is its folder (<c>test/OtpService.Tests/Rules/X.cs</c>: <c>OtpService.Tests.Rules</c>),
/// in the fast and the integration project alike, so a filter on a folder's namespace
/// (<c>dotnet test --filter FullyQualifiedName~OtpService.Tests.Rules</c>) runs that folder's tests
/// (issue 20: tests in the shape of the code). The shared support project is one library and keeps its own namespaces.
/// </summary>
public class TestNamespaceTests
{
    public static TheoryData<string> Projects => new(["OtpService.Tests", "OtpService.IntegrationTests"]);

    [Theory]
    [MemberData(nameof(Projects))]
    public void EachTestFile_IsInTheNamespaceOfItsFolder(string project)
    {
        var root = RepositoryFiles.PathOf("test", project);
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var folder = Path.GetRelativePath(root, Path.GetDirectoryName(file)!);
            if (folder.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
            {
                continue;
            }

            var expected = folder == "." ? "OtpService.Tests" : $"OtpService.Tests.{folder.Replace(Path.DirectorySeparatorChar, '.')}";
            var declared = NamespacesOf(File.ReadAllText(file));
            if (declared.Any(name => name != expected))
            {
                wrong.Add($"{Path.GetRelativePath(root, file)}: {string.Join(", ", declared)} (expected {expected})");
            }
        }

        Assert.True(wrong.Count == 0, $"files in test/{project} outside their folder's namespace:\n{string.Join("\n", wrong)}");
    }

    [Fact]
    public void TheParser_SeesFileScopedAndBlockNamespaces()
    {
        // Guards the test above against checking nothing.
        Assert.Equal(["A.B"], NamespacesOf("namespace A.B;\nclass C { }"));
        Assert.Equal(["A", "D"], NamespacesOf("namespace A { class C { } }\nnamespace D { }"));
    }

    private static List<string> NamespacesOf(string source) =>
        CSharpSyntaxTree.ParseText(source).GetCompilationUnitRoot().Members
            .OfType<BaseNamespaceDeclarationSyntax>()
            .Select(n => n.Name.ToString())
            .ToList();
}
