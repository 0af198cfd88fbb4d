using System.Text.RegularExpressions;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// docs/deploy.md against template.yaml (issue 20 item 6): its resources, parameters (with their
/// defaults and groups) and outputs tables list exactly what the template has. Each problem names
/// the missing or extra entry; the break tests below show that for each kind.
/// </summary>
public sealed partial class DeployDocTests
{
    private static string Doc => File.ReadAllText(RepositoryFiles.PathOf("docs", "deploy.md"));

    private static CfnTemplate Template => CfnTemplate.Load(RepositoryFiles.PathOf("template.yaml"));

    [Fact]
    public void DeployDoc_ListsEveryResourceParameterAndOutput_OfTheTemplate_AndNoOther() =>
        AssertNone(Problems(Template, Doc));

    [Fact]
    public void ParameterGroups_HoldEveryParameterOnce_InTheDocsTablesOrder() =>
        AssertNone(GroupProblems(Template, Doc));

    [Theory]
    [InlineData("| `ClientKeySecret` |", "| `SomethingElse` |", "resource ClientKeySecret")]
    [InlineData("| `TokenSigningKeyA`, `TokenSigningKeyB` |", "| `TokenSigningKeyA` |", "resource TokenSigningKeyB")]
    [InlineData("| `SomethingElse` |", "", "resource SomethingElse")]
    [InlineData("| `TokenAudience` |", "| `TokenAudienceX` |", "parameter TokenAudience")]
    [InlineData("| `OtpTtlSeconds` | `120` |", "| `OtpTtlSeconds` | `180` |", "parameter OtpTtlSeconds: docs/deploy.md gives the default")]
    [InlineData("| `SenderAddress` | (required) |", "| `SenderAddress` | `x` |", "parameter SenderAddress")]
    [InlineData("| `JwksUrl` |", "| `JwksUri` |", "output JwksUrl")]
    public void ABrokenDoc_IsReported_NamingTheEntry(string find, string replace, string expected)
    {
        var doc = find == "| `SomethingElse` |"
            ? Doc.Replace("<!-- end resources -->", "| `SomethingElse` | nothing |\n<!-- end resources -->", StringComparison.Ordinal)
            : Once(Doc, find, replace);

        var problems = Problems(Template, doc).Concat(GroupProblems(Template, doc)).ToList();

        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"expected a problem containing \"{expected}\"; got:\n{string.Join("\n", problems)}");
    }

    [Theory]
    [InlineData("Outputs:\n", "Outputs:\n  ExtraOutput:\n    Value: x\n", "output ExtraOutput")]
    [InlineData("Conditions:\n", "  ExtraParameter:\n    Type: String\n    Default: ''\n\nConditions:\n", "parameter ExtraParameter")]
    [InlineData("Resources:\n", "Resources:\n  ExtraQueue:\n    Type: AWS::SQS::Queue\n", "resource ExtraQueue")]
    public void ABrokenTemplate_IsReported_NamingTheEntry(string find, string replace, string expected)
    {
        var template = CfnTemplate.Parse(Once(File.ReadAllText(RepositoryFiles.PathOf("template.yaml")), find, replace));

        var problems = Problems(template, Doc).Concat(GroupProblems(template, Doc)).ToList();

        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"expected a problem containing \"{expected}\"; got:\n{string.Join("\n", problems)}");
    }

    internal static IEnumerable<string> Problems(CfnTemplate template, string doc)
    {
        foreach (var (kind, section) in new[] { ("resource", "Resources"), ("parameter", "Parameters"), ("output", "Outputs") })
        {
            var inTemplate = (template.Root[section]?.Entries ?? []).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            var rows = Rows(doc, section.ToLowerInvariant()).SelectMany(t => t).ToList();
            var documented = rows.SelectMany(r => Names(r[0])).ToList();
            foreach (var (name, node) in inTemplate.Where(e => !documented.Contains(e.Key)))
            {
                yield return $"docs/deploy.md lacks {kind} {name} ({node.Where}).";
            }

            foreach (var name in documented.Where(n => !inTemplate.ContainsKey(n)).Distinct())
            {
                yield return $"docs/deploy.md lists {kind} {name}, which template.yaml does not have.";
            }

            foreach (var name in documented.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key))
            {
                yield return $"docs/deploy.md lists {kind} {name} more than once.";
            }

            if (kind != "parameter")
            {
                continue;
            }

            foreach (var row in rows.Where(r => r.Count > 1))
            {
                foreach (var name in Names(row[0]).Where(inTemplate.ContainsKey))
                {
                    var expected = inTemplate[name]["Default"] is { } value ? $"`{(value.Value is { Length: > 0 } v ? v : "''")}`" : "(required)";
                    if (!row[1].StartsWith(expected, StringComparison.Ordinal))
                    {
                        yield return $"parameter {name}: docs/deploy.md gives the default '{row[1]}', template.yaml {expected} ({inTemplate[name].Where}).";
                    }
                }
            }
        }
    }

    /// <summary>The template's ParameterGroups hold every parameter exactly once, and the doc's parameter tables are those groups in order.</summary>
    internal static IEnumerable<string> GroupProblems(CfnTemplate template, string doc)
    {
        var groups = (template.Root["Metadata"]?["AWS::CloudFormation::Interface"]?["ParameterGroups"]?.Items ?? [])
            .Select(g => (Label: g["Label"]?["default"]?.Value ?? "", Names: g["Parameters"]?.Items.Select(p => p.Value ?? "").ToList() ?? []))
            .ToList();
        var parameters = (template.Root["Parameters"]?.Entries ?? []).Select(e => e.Key).ToList();
        var grouped = groups.SelectMany(g => g.Names).ToList();
        foreach (var name in parameters.Where(p => grouped.Count(g => g == p) != 1))
        {
            yield return $"parameter {name} is in {grouped.Count(g => g == name)} of the template's ParameterGroups (Metadata AWS::CloudFormation::Interface); it must be in one.";
        }

        var tables = Rows(doc, "parameters").Select(t => t.SelectMany(r => Names(r[0])).ToList()).ToList();
        if (tables.Count != groups.Count)
        {
            yield return $"docs/deploy.md has {tables.Count} parameter tables; the template has {groups.Count} ParameterGroups.";
            yield break;
        }

        for (var i = 0; i < groups.Count; i++)
        {
            foreach (var name in groups[i].Names.Except(tables[i]).Concat(tables[i].Except(groups[i].Names)))
            {
                yield return $"parameter {name}: the template's group '{groups[i].Label}' and docs/deploy.md's table {i + 1} differ on it.";
            }
        }
    }

    /// <summary>The tables between <c>&lt;!-- section --&gt;</c> and <c>&lt;!-- end section --&gt;</c>: each a list of rows, each row its cells.</summary>
    private static List<List<List<string>>> Rows(string doc, string section)
    {
        var start = doc.IndexOf($"<!-- {section} -->", StringComparison.Ordinal);
        var end = doc.IndexOf($"<!-- end {section} -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/deploy.md has no <!-- {section} --> ... <!-- end {section} --> block.");
        var tables = new List<List<List<string>>>();
        List<List<string>>? table = null;
        foreach (var line in doc[start..end].Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                table = null;
                continue;
            }

            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToList();
            if (cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            if (table is null)
            {
                table = []; // the header row
                tables.Add(table);
                continue;
            }

            table.Add(cells);
        }

        return tables;
    }

    private static IEnumerable<string> Names(string cell) => Backticked().Matches(cell).Select(m => m.Groups[1].Value);

    private static string Once(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"the text to break must occur once: {find}");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    private static void AssertNone(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        Assert.True(list.Count == 0, string.Join(Environment.NewLine, list));
    }

    [GeneratedRegex("`([A-Za-z][A-Za-z0-9]*)`")]
    private static partial Regex Backticked();
}
