namespace OtpService.Local.Commands;

/// <summary>
/// <c>aot-template</c>: write template-aot.yaml from template.yaml (<see cref="Template.AotTemplate"/>),
/// or with <see cref="Check"/> only say whether the committed one is what it would write.
/// </summary>
internal sealed record AotTemplateOptions(bool Check) : Command;
