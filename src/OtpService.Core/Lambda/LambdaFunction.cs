namespace OtpService.Core.Lambda;

/// <summary>
/// One function the runtime loop can serve: its name (the template's <c>Handler</c>, which Lambda
/// passes as <c>_HANDLER</c>) and its init, which builds the handler once per execution environment
/// and may register SnapStart steps.
/// </summary>
/// <param name="Name">GenerateOtp, VerifyOtp or SendOtpEmail: the assembly name, which is the Handler of the executable form.</param>
/// <param name="Init">Builds the handler (the function's constructor runs here) on the program's one clock; may register <see cref="SnapshotHooks"/>.</param>
public sealed record LambdaFunction(string Name, Func<SnapshotHooks, TimeProvider, Func<Stream, Task<Stream>>> Init)
{
    /// <summary>
    /// True when <paramref name="handler"/> names this function: its name (the executable form,
    /// how both templates spell it), the same with ".dll" (AWS's bootstrap.sh accepts that too), or
    /// <c>Name::Name.Function::FunctionHandler</c> (the class-library spelling of the same method).
    /// Any other type or method does not name it.
    /// </summary>
    public bool IsNamedBy(string? handler)
    {
        var value = handler?.Trim();
        return value == Name
            || value == $"{Name}.dll"
            || value == $"{Name}::{Name}.Function::FunctionHandler";
    }

    /// <summary>The function <paramref name="handler"/> names, or <see cref="UnknownHandlerException"/> with a plain message.</summary>
    public static LambdaFunction Pick(string? handler, IReadOnlyList<LambdaFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        return functions.FirstOrDefault(f => f.IsNamedBy(handler))
            ?? throw new UnknownHandlerException(
                $"The handler is '{handler}', which names none of the functions here: {string.Join(", ", functions.Select(f => f.Name))}. "
                + "Set the function's Handler to one of these names (template.yaml and template-aot.yaml do).");
    }
}
