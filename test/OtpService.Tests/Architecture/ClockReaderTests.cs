using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// One clock (issue 20): product code reads the time only through the <see cref="TimeProvider"/> it
/// is given, and the system clock is chosen in one place per program: <c>LambdaHost</c> (the Main of
/// every deployed form) and the local runner's <c>Program.cs</c>. Anywhere else, a read of
/// <c>DateTime.Now/UtcNow/Today</c>, <c>DateTimeOffset.Now/UtcNow</c>, <c>TimeProvider.System</c>,
/// <c>Environment.TickCount(64)</c> or <c>Stopwatch</c> (timestamps and elapsed times go through
/// <see cref="TimeProvider.GetTimestamp"/> and <see cref="TimeProvider.GetElapsedTime(long)"/>) is a
/// clock a test cannot move. Sources are read with the C# compiler's own parser.
/// </summary>
public class ClockReaderTests
{
    /// <summary>The composition places, relative to src/.</summary>
    private static readonly string[] Composition = ["OtpService.Core/Lambda/LambdaHost.cs", "OtpService.Local/Program.cs"];

    private static readonly Dictionary<string, string[]?> ClockMembers = new(StringComparer.Ordinal)
    {
        ["DateTime"] = ["Now", "UtcNow", "Today"],
        ["DateTimeOffset"] = ["Now", "UtcNow"],
        ["TimeProvider"] = ["System"],
        ["Environment"] = ["TickCount", "TickCount64"],
        ["Stopwatch"] = null, // every static member: GetTimestamp, GetElapsedTime, StartNew, Frequency
    };

    [Fact]
    public void OnlyTheCompositionPlaces_ReadTheSystemClock()
    {
        var src = RepositoryFiles.PathOf("src");
        var readers = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(src, file).Replace('\\', '/'))
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal))
            .Where(file => !Composition.Contains(file, StringComparer.Ordinal))
            .SelectMany(file => ClockReads(File.ReadAllText(Path.Combine(src, file))).Select(read => $"src/{file}:{read}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(readers.Count == 0, $"clock reads outside {string.Join(" and ", Composition)}; take a TimeProvider instead:\n{string.Join("\n", readers)}");
    }

    [Fact]
    public void TheCompositionPlaces_Exist_AndChooseTheSystemClock()
    {
        // Guards the list above against naming a file that moved.
        foreach (var file in Composition)
        {
            Assert.Contains("TimeProvider.System", ClockReads(File.ReadAllText(RepositoryFiles.PathOf("src", file))).Select(r => r[(r.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
        }
    }

    [Fact]
    public void TheParser_SeesEveryKindOfClockRead_AndNotAnInjectedClock()
    {
        // Guards the test above against checking nothing.
        const string source = """
            using System.Diagnostics;
            class A(TimeProvider clock)
            {
                string Log() => $"{DateTime.Now:HH:mm:ss}";
                object B() => System.DateTimeOffset.UtcNow;
                TimeProvider C(TimeProvider? given) => given ?? TimeProvider.System;
                long D() => Stopwatch.GetTimestamp() + Environment.TickCount64;
                object E() => new Stopwatch();
                object Fine() => clock.GetUtcNow().AddTicks(clock.GetTimestamp()) + DateTimeOffset.FromUnixTimeSeconds(0).Offset + TimeSpan.Zero;
            }
            """;

        Assert.Equal(
            ["4 DateTime.Now", "5 DateTimeOffset.UtcNow", "6 TimeProvider.System", "7 Stopwatch.GetTimestamp", "7 Environment.TickCount64", "8 new Stopwatch"],
            ClockReads(source));
    }

    /// <summary>"line what" for each clock read in <paramref name="source"/>.</summary>
    private static List<string> ClockReads(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        var reads = new List<string>();
        foreach (var node in root.DescendantNodes())
        {
            var read = node switch
            {
                MemberAccessExpressionSyntax { Expression: var type, Name: var member } when TypeName(type) is { } name
                    && ClockMembers.TryGetValue(name, out var members) && (members is null || members.Contains(member.Identifier.Text, StringComparer.Ordinal))
                    => $"{name}.{member.Identifier.Text}",
                ObjectCreationExpressionSyntax { Type: var created } when TypeName(created) == "Stopwatch"
                    => "new Stopwatch",
                _ => null,
            };
            if (read is not null)
            {
                reads.Add($"{node.GetLocation().GetLineSpan().StartLinePosition.Line + 1} {read}");
            }
        }

        return reads;
    }

    /// <summary>The type's simple name when <paramref name="expression"/> names a type (DateTime, System.DateTime, global::System.DateTime).</summary>
    private static string? TypeName(SyntaxNode expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.Text,
        MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } => name.Identifier.Text,
        QualifiedNameSyntax { Right: IdentifierNameSyntax name } => name.Identifier.Text,
        AliasQualifiedNameSyntax { Name: IdentifierNameSyntax name } => name.Identifier.Text,
        _ => null,
    };
}
