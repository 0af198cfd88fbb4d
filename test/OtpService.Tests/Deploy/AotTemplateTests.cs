using System.Text.RegularExpressions;
using Xunit;
using OtpService.Local.Template;

namespace OtpService.Tests.Deploy;

/// <summary>
/// template-aot.yaml is template.yaml with the functions built as a Native AOT bootstrap, written
/// by <see cref="AotTemplate"/> (AotTemplateGenerationTests checks the committed file is its
/// output). This checks the result on its own terms, apart from the generator's rules: any
/// difference beyond the runtime, architecture, SnapStart and each function's build fails,
/// naming both lines. The Handlers are the same in both: the
/// function's name (an executable assembly's name under dotnet10, _HANDLER for the bootstrap).
/// </summary>
public partial class AotTemplateTests
{
    [GeneratedRegex(@"^(Description|Globals/Function/(Runtime|Architectures|SnapStart)|Resources/(GenerateOtp|VerifyOtp|SendOtpEmail)Function/(Metadata|Properties/CodeUri))(/|$)")]
    private static partial Regex AllowedDifference();

    [Fact]
    public void AotTemplate_DiffersFromTheManagedOneOnlyWhereTheBuildDoes()
    {
        var managed = CfnTemplate.Load(RepositoryFiles.PathOf("template.yaml")).Root;
        var aot = CfnTemplate.Load(RepositoryFiles.PathOf("template-aot.yaml")).Root;
        var differences = new List<string>();

        Compare(managed, aot, "", differences);

        Assert.True(differences.Count == 0, "template-aot.yaml has drifted from template.yaml:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void AotTemplate_RunsTheBootstrapOnProvidedAl2023_ForEveryFunction()
    {
        var aot = CfnTemplate.Load(RepositoryFiles.PathOf("template-aot.yaml"));

        Assert.True(aot.Root["Globals"]?["Function"]?["Runtime"]?.IsScalar("provided.al2023"), "Globals.Function.Runtime must be provided.al2023");
        foreach (var (id, function) in aot.Resources("AWS::Serverless::Function"))
        {
            Assert.True(function["Properties"]?["CodeUri"]?.IsScalar("src/OtpService.Bootstrap/"), $"{id}: CodeUri must be the bootstrap project");
            Assert.True(function["Properties"]?["Handler"]?.IsScalar(id.Replace("Function", "", StringComparison.Ordinal)), $"{id}: Handler must name the function for _HANDLER");
        }
    }

    private static void Compare(CfnNode managed, CfnNode aot, string path, List<string> differences)
    {
        if (AllowedDifference().IsMatch(path))
        {
            return;
        }

        var where = $"{path} (template.yaml line {managed.Line}, template-aot.yaml line {aot.Line})";
        if (managed.Kind != aot.Kind || managed.Value != aot.Value)
        {
            differences.Add($"{where}: '{managed.Value ?? managed.Kind.ToString()}' vs '{aot.Value ?? aot.Kind.ToString()}'");
            return;
        }

        foreach (var key in managed.Entries.Select(e => e.Key).Union(aot.Entries.Select(e => e.Key)))
        {
            var child = path.Length == 0 ? key : $"{path}/{key}";
            if (managed[key] is { } left && aot[key] is { } right)
            {
                Compare(left, right, child, differences);
            }
            else if (!AllowedDifference().IsMatch(child))
            {
                differences.Add($"{child}: only in {(managed[key] is null ? "template-aot.yaml" : "template.yaml")} ({where})");
            }
        }

        if (managed.Items.Count != aot.Items.Count)
        {
            differences.Add($"{where}: {managed.Items.Count} vs {aot.Items.Count} items");
            return;
        }

        for (var i = 0; i < managed.Items.Count; i++)
        {
            Compare(managed.Items[i], aot.Items[i], $"{path}[{i}]", differences);
        }
    }
}
