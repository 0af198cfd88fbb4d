using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Deploy;

/// <summary>
/// template-aot.yaml is written from template.yaml by <see cref="AotTemplate"/> (issue 20 item 4):
/// the committed file must be exactly what the generator writes, and the generator must refuse a
/// template its rules no longer fit rather than write a different stack.
/// </summary>
public sealed class AotTemplateGenerationTests
{
    [Fact]
    public void CommittedAotTemplate_IsWhatTheGeneratorWritesFromTemplateYaml()
    {
        var generated = AotTemplate.Generate(File.ReadAllText(RepositoryFiles.PathOf("template.yaml")));
        var committed = File.ReadAllText(RepositoryFiles.PathOf("template-aot.yaml"));

        var difference = AotTemplate.FirstDifference(generated, committed);

        Assert.True(difference is null, $"template-aot.yaml is not what template.yaml gives ({difference}). Edit template.yaml only, then run `{AotTemplate.Command}` and commit both.");
    }

    [Fact]
    public void CheckCommand_ExitsZero_OnTheCommittedTemplates_AndWritesNothing()
    {
        var before = File.GetLastWriteTimeUtc(RepositoryFiles.PathOf("template-aot.yaml"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = OtpService.Local.Commands.AotTemplateCommand.Run(new(Check: true), output, error);

        Assert.True(exit == 0, error.ToString());
        Assert.Equal(before, File.GetLastWriteTimeUtc(RepositoryFiles.PathOf("template-aot.yaml")));
    }

    /// <summary>Every place the docs show the command (README, docs/*.md) shows the one that exists.</summary>
    [Fact]
    public void DocumentedCommand_IsTheGeneratorsCommand()
    {
        var docs = new[] { RepositoryFiles.PathOf("README.md") }.Concat(Directory.GetFiles(RepositoryFiles.PathOf("docs"), "*.md"));
        var wrong = docs
            .SelectMany(path => File.ReadAllLines(path).Select((line, i) => (Where: $"{Path.GetFileName(path)} line {i + 1}", Line: line)))
            .Where(l => l.Line.Contains("aot-template", StringComparison.Ordinal) && !l.Line.Contains(AotTemplate.Command, StringComparison.Ordinal) && l.Line.Contains("dotnet ", StringComparison.Ordinal))
            .Select(l => $"{l.Where}: {l.Line.Trim()}")
            .ToList();

        Assert.True(wrong.Count == 0, $"These lines run aot-template some other way than `{AotTemplate.Command}`:\n{string.Join("\n", wrong)}");
    }

    [Fact]
    public void Generator_CarriesAnEditOfTemplateYaml_IntoTheAotTemplate()
    {
        var source = File.ReadAllText(RepositoryFiles.PathOf("template.yaml"));
        var edited = Once(source, "    Default: 120\n    MinValue: 10\n", "    Default: 180\n    MinValue: 10\n");

        var before = CfnTemplate.Parse(AotTemplate.Generate(source)).Root;
        var after = CfnTemplate.Parse(AotTemplate.Generate(edited)).Root;

        Assert.Equal("120", before["Parameters"]?["OtpTtlSeconds"]?["Default"]?.Value);
        Assert.Equal("180", after["Parameters"]?["OtpTtlSeconds"]?["Default"]?.Value);
        Assert.Equal("provided.al2023", after["Globals"]?["Function"]?["Runtime"]?.Value);
    }

    [Fact]
    public void Generator_WritesTheBuildDifferencesOnly_EveryFunctionFromTheBootstrap_NoSnapStart()
    {
        var source = CfnTemplate.Load(RepositoryFiles.PathOf("template.yaml"));
        var aot = CfnTemplate.Parse(AotTemplate.Generate(File.ReadAllText(RepositoryFiles.PathOf("template.yaml"))));

        Assert.Null(aot.Root["Globals"]?["Function"]?["SnapStart"]);
        Assert.Equal("x86_64", aot.Root["Globals"]?["Function"]?["Architectures"]?.Items.Single().Value);
        var functions = source.Resources("AWS::Serverless::Function").Select(f => f.LogicalId).ToList();
        Assert.Equal(3, functions.Count);
        foreach (var id in functions)
        {
            var function = aot.Resource(id)!;
            Assert.Equal(AotTemplate.BootstrapProject, function["Properties"]?["CodeUri"]?.Value);
            Assert.Equal(AotTemplate.BootstrapProject, function["Metadata"]?["ContextPath"]?.Value);
            Assert.Equal(AotTemplate.BootstrapProject, function["Metadata"]?["WorkingDirectory"]?.Value);
            Assert.Equal(source.Resource(id)!["Properties"]?["Handler"]?.Value, function["Properties"]?["Handler"]?.Value);
        }
    }

    [Theory]
    [InlineData("    SnapStart:\n      ApplyOn: PublishedVersions\n", "", "Globals/Function/SnapStart")]
    [InlineData("    Runtime: dotnet10\n", "    Runtime: 'dotnet10'\n", "Globals/Function/Runtime")]
    [InlineData("      WorkingDirectory: src/VerifyOtp/\n", "", "Resources/VerifyOtpFunction/Metadata/WorkingDirectory")]
    public void Generator_RefusesATemplateItsRulesNoLongerFit_NamingThePath(string find, string replace, string path)
    {
        var source = Once(File.ReadAllText(RepositoryFiles.PathOf("template.yaml")), find, replace);

        var error = Assert.Throws<InvalidOperationException>(() => AotTemplate.Generate(source));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static string Once(string yaml, string find, string replace)
    {
        var at = yaml.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0 && yaml.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"the text to change must occur once in template.yaml: {find}");
        return string.Concat(yaml.AsSpan(0, at), replace, yaml.AsSpan(at + find.Length));
    }
}
