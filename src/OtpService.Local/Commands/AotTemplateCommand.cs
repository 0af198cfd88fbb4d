using OtpService.Local.Emulators;
using OtpService.Local.Template;

namespace OtpService.Local.Commands;

/// <summary><c>aot-template [--check]</c>: template-aot.yaml from template.yaml (<see cref="AotTemplate"/>).</summary>
internal static class AotTemplateCommand
{
    /// <summary>Writes (or with --check compares) template-aot.yaml in the clone; the exit code.</summary>
    public static int Run(AotTemplateOptions options, TextWriter output, TextWriter error)
    {
        var root = RepositoryRoot.Find();
        string generated;
        try
        {
            generated = AotTemplate.Generate(File.ReadAllText(AotTemplate.SourcePath(root)));
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine(e.Message);
            return ExitCodes.Failed;
        }

        var target = AotTemplate.TargetPath(root);
        var committed = File.Exists(target) ? File.ReadAllText(target) : "";
        if (options.Check)
        {
            if (AotTemplate.FirstDifference(generated, committed) is { } difference)
            {
                error.WriteLine($"template-aot.yaml is not what template.yaml gives ({difference}). Run: {AotTemplate.Command}");
                return ExitCodes.Failed;
            }

            output.WriteLine("template-aot.yaml is up to date with template.yaml.");
            return ExitCodes.Ok;
        }

        File.WriteAllText(target, generated);
        output.WriteLine(committed == generated ? "template-aot.yaml was already up to date." : "template-aot.yaml written from template.yaml.");
        return ExitCodes.Ok;
    }
}
