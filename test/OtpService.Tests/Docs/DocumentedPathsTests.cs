using System.Text.RegularExpressions;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Docs;

/// <summary>
/// Every repository path README.md and docs/*.md cite in backticks names a file or folder that
/// exists, so a move or rename that leaves a doc behind fails here, naming the doc, line and path.
/// Paths are written from the repository root, or as `Core/Layer/File.cs` (under src/OtpService.Core)
/// or `OtpService.Project/...` (a project under src/ or test/); a test cited as `Folder/SomethingTests`
/// fails too, since it does not say which test project it is in.
/// </summary>
public partial class DocumentedPathsTests
{
    /// <summary>Top-level folders whose paths are checked; a cited path must start with one of them (or be a root file below).</summary>
    private static readonly string[] RootFolders = ["src/", "test/", "docs/", "site/", "events/", ".ci/"];

    /// <summary>Files at the repository root cited by name alone.</summary>
    private static readonly string[] RootFiles =
    [
        "template.yaml", "template-aot.yaml", "samconfig.toml", "OtpService.sln", "global.json",
        "package.json", "package-lock.json", "Directory.Build.props", "Directory.Packages.props",
    ];

    /// <summary>The short form the docs use for OtpService.Core's layers (`Core/Rules/OtpVerifier.cs`).</summary>
    private const string CorePrefix = "Core/";

    /// <summary>A project folder named without src/ or test/ (`OtpService.Core/Lambda`).</summary>
    private const string ProjectPrefix = "OtpService.";

    [Fact]
    public void EveryCitedRepositoryPath_Exists()
    {
        var missing = CitedPaths()
            .Where(c => !Exists(c.Path))
            .Select(c => $"{c.Doc}:{c.Line}: `{c.Path}`" + (BareTest().IsMatch(c.Path) ? " (which test project? write it from the repository root)" : ""))
            .ToList();

        Assert.True(missing.Count == 0, "Cited paths that do not exist here:" + Environment.NewLine + string.Join(Environment.NewLine, missing));
    }

    [Fact]
    public void TheDocsCitePaths_SoTheCheckAboveReadsThem()
    {
        var cited = CitedPaths().Select(c => c.Path).ToHashSet(StringComparer.Ordinal);

        // One of each kind the reader must recognise; if these stop being found the reader is broken, not the docs.
        Assert.Contains(".ci/run", cited);
        Assert.Contains("template.yaml", cited);
        Assert.Contains(cited, p => p.StartsWith("test/", StringComparison.Ordinal));
        Assert.Contains(cited, p => p.StartsWith(CorePrefix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("see `src/A/B.cs` here", "src/A/B.cs")]
    [InlineData("`dotnet test test/OtpService.Tests`", "test/OtpService.Tests")]
    [InlineData("(`Core/Rules/OtpVerifier.cs`),", "Core/Rules/OtpVerifier.cs")]
    [InlineData("`.ci/run`.", ".ci/run")]
    [InlineData("`docs/api.md#errors`", "docs/api.md")]
    [InlineData("`test/OtpService.Tests/Rules/CodeDerivationTests.cs:42`", "test/OtpService.Tests/Rules/CodeDerivationTests.cs")]
    [InlineData("`--env-vars events/env.json`", "events/env.json")]
    [InlineData("`template.yaml`", "template.yaml")]
    [InlineData("(`OtpService.Core/Lambda`:", "OtpService.Core/Lambda")]
    [InlineData("(`Unit/SnapshotSafeRandomTests.cs`)", "Unit/SnapshotSafeRandomTests.cs")]
    [InlineData("`Deploy/DeployDocTests` checks", "Deploy/DeployDocTests")]
    public void Reader_FindsPaths(string line, string expected)
    {
        Assert.Equal([expected], PathsIn(line));
    }

    [Theory]
    [InlineData("Core/Rules/OtpVerifier.cs")]
    [InlineData("OtpService.Core/Lambda")]
    [InlineData("OtpService.TestSupport/Aws/HangingEndpoint.cs")]
    [InlineData("test/OtpService.Tests/Rules/")]
    public void ShortForms_ResolveWhereTheyAre(string path)
    {
        Assert.True(Exists(path), path);
    }

    [Theory]
    [InlineData("Rules/OtpVerifierTests.cs")]
    [InlineData("Core/Otp/OtpVerifier.cs")]
    [InlineData("OtpService.Nothing/X.cs")]
    [InlineData("src/OtpService.Core/Rules/OtpVerifier.cs/")]
    public void MissingOrProjectlessPaths_DoNotExist(string path)
    {
        Assert.False(Exists(path), path);
    }

    [Theory]
    [InlineData("`https://github.com/aws/src/x.cs`")]
    [InlineData("`-m \"**/Rules/*.cs\"`")]
    [InlineData("`src/<Function>/Makefile`")]
    [InlineData("`src/{A,B}/x.cs`")]
    [InlineData("`/otp/generate`")]
    [InlineData("`AWS/Lambda`")]
    [InlineData("`application/json`")]
    [InlineData("(dotnet/runtime `src/native/libs/System.Native/pal_random.c`)")]
    [InlineData("`src/OtpService.Local/bin/Debug/net10.0/OtpService.Local.dll`")]
    [InlineData("no code span src/A/B.cs")]
    [InlineData("`OtpService.sln.bak`")]
    [InlineData("`Helpers/ConsoleLoggerWriter.cs`")]
    public void Reader_SkipsWhatIsNotOneOfOurPaths(string line)
    {
        Assert.Empty(PathsIn(line));
    }

    private static bool Exists(string path)
    {
        if (BareTest().IsMatch(path))
        {
            return false;
        }

        string[] candidates = path.StartsWith(CorePrefix, StringComparison.Ordinal) ? ["src/OtpService.Core/" + path[CorePrefix.Length..]]
            : path.StartsWith(ProjectPrefix, StringComparison.Ordinal) ? ["src/" + path, "test/" + path]
            : [path];
        return candidates.Any(relative =>
        {
            var full = Path.Combine(RepositoryFiles.Root, relative.TrimEnd('/'));
            return path.EndsWith('/') ? Directory.Exists(full) : File.Exists(full) || Directory.Exists(full);
        });
    }

    private static IEnumerable<(string Doc, int Line, string Path)> CitedPaths()
    {
        var docs = Directory.GetFiles(RepositoryFiles.PathOf("docs"), "*.md")
            .Prepend(RepositoryFiles.PathOf("README.md"));
        foreach (var doc in docs)
        {
            var name = Path.GetRelativePath(RepositoryFiles.Root, doc).Replace('\\', '/');
            var inFence = false;
            var lines = File.ReadAllLines(doc);
            for (var i = 0; i < lines.Length; i++)
            {
                // Fenced blocks hold commands and trees, not inline citations; their backticks are not spans.
                if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    inFence = !inFence;
                    continue;
                }

                if (!inFence)
                {
                    foreach (var path in PathsIn(lines[i]))
                    {
                        yield return (name, i + 1, path);
                    }
                }
            }
        }
    }

    /// <summary>The repository paths in one line's code spans: each whitespace-separated word of a span that starts at a checked root.</summary>
    private static IEnumerable<string> PathsIn(string line)
    {
        foreach (Match span in CodeSpan().Matches(line))
        {
            // Another repository's file, named right after it ("dotnet/runtime `src/native/...`").
            if (ForeignRepository().IsMatch(line[..span.Index]))
            {
                continue;
            }

            foreach (var word in span.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var path = TrailingNoise().Replace(word.Trim('"', '\'', '(', ')', ','), "");
                if (IsOurPath(path))
                {
                    yield return path;
                }
            }
        }
    }

    private static bool IsOurPath(string path)
    {
        if (path.Length == 0 || path.IndexOfAny(['<', '*', '{', '$', '=']) >= 0 || path.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        // Build output is not in the repository.
        if (path.Contains("/bin/", StringComparison.Ordinal) || path.Contains("/obj/", StringComparison.Ordinal))
        {
            return false;
        }

        return RootFiles.Contains(path, StringComparer.Ordinal)
            || BareTest().IsMatch(path)
            || path.StartsWith(CorePrefix, StringComparison.Ordinal)
            || (path.StartsWith(ProjectPrefix, StringComparison.Ordinal) && path.Contains('/', StringComparison.Ordinal))
            || RootFolders.Any(r => path.StartsWith(r, StringComparison.Ordinal));
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    /// <summary>An anchor, a line number or a sentence's punctuation after a path.</summary>
    [GeneratedRegex("(#.*|:\\d+.*|[.,;:)]+)$")]
    private static partial Regex TrailingNoise();

    /// <summary>A test class cited by folder alone (`Deploy/DeployDocTests`), which names no test project.</summary>
    [GeneratedRegex(@"^[A-Z][A-Za-z]*/[A-Za-z]+Tests(\.cs)?$")]
    private static partial Regex BareTest();

    [GeneratedRegex(@"\b[A-Za-z0-9-]+/[A-Za-z0-9._-]+ $")]
    private static partial Regex ForeignRepository();
}
