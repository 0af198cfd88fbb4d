using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// Every product source file declares one top-level type, named as the file, so a type is found by
/// its name (issue 20: "one public type per file"). Nested types and file-local (<c>file</c>) types
/// are part of the type or file that holds them; generated sources (obj/) are not read, and a file
/// of top-level statements (Program.cs) declares no type. Sources are read with the C# compiler's own parser.
/// </summary>
public class OneTypePerFileTests
{
    private static readonly string[] ProductProjects =
        ["OtpService.Core", "GenerateOtp", "VerifyOtp", "SendOtpEmail", "OtpService.Bootstrap", "OtpService.Local"];

    public static TheoryData<string> Projects => new(ProductProjects);

    [Theory]
    [MemberData(nameof(Projects))]
    public void EachFile_DeclaresOneTopLevelType_NamedAsTheFile(string project)
    {
        var root = RepositoryFiles.PathOf("src", project);
        var wrong = new List<string>();
        foreach (var file in SourceFiles(root))
        {
            // A generic type and its non-generic companion of one name (DeferredKey, DeferredKey<T>) count as one.
            var types = TopLevelTypes(File.ReadAllText(file)).Distinct().ToList();
            var expected = Path.GetFileNameWithoutExtension(file);
            if (types.Count > 1 || types.Any(name => name != expected))
            {
                wrong.Add($"{Path.GetRelativePath(root, file)} declares [{string.Join(", ", types)}]");
            }
        }

        Assert.True(wrong.Count == 0, $"files in src/{project} that should be split or renamed:\n{string.Join("\n", wrong)}");
    }

    [Fact]
    public void TheParser_SeesTopLevelTypes_AndSkipsNestedAndFileLocalOnes()
    {
        // Guards the test above against checking nothing.
        const string source = """
            namespace N;
            public sealed class A { private sealed class Nested { } }
            internal enum B { X }
            public delegate void C();
            public readonly record struct D(int X);
            file sealed class Hidden { }
            """;

        Assert.Equal(["A", "B", "C", "D"], TopLevelTypes(source));
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
            {
                var relative = Path.GetRelativePath(root, f);
                return !relative.StartsWith("obj", StringComparison.Ordinal)
                       && !relative.StartsWith("bin", StringComparison.Ordinal);
            });

    private static List<string> TopLevelTypes(string source)
    {
        var unit = CSharpSyntaxTree.ParseText(source).GetCompilationUnitRoot();
        return unit.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .OfType<MemberDeclarationSyntax>()
            .Where(m => m.Parent is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .Where(m => !m.Modifiers.Any(SyntaxKind.FileKeyword))
            .Select(m => m switch
            {
                BaseTypeDeclarationSyntax t => t.Identifier.Text,
                DelegateDeclarationSyntax d => d.Identifier.Text,
                _ => null,
            })
            .OfType<string>()
            .ToList();
    }
}
