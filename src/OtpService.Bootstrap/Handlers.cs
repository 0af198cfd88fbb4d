namespace OtpService.Bootstrap;

/// <summary>
/// The three functions by name. <c>_HANDLER</c> (the template's Handler) picks one; the managed
/// runtime's "Assembly::Type::Method" spelling is accepted too, so either template's value works.
/// Constructing the function (clients, settings, signing key) is the init phase.
/// </summary>
internal static class Handlers
{
    public static readonly IReadOnlyList<string> Names = ["GenerateOtp", "VerifyOtp", "SendOtpEmail"];

    /// <summary>Builds the named function; throws <see cref="ArgumentException"/> for a name it does not know.</summary>
    public static Func<Stream, Task<Stream>> Create(string? handler)
    {
        var name = handler?.Split("::", 2)[0].Trim();
        return name switch
        {
            "GenerateOtp" => new GenerateOtp.Function().FunctionHandler,
            "VerifyOtp" => new VerifyOtp.Function().FunctionHandler,
            "SendOtpEmail" => new SendOtpEmail.Function().FunctionHandler,
            _ => throw new ArgumentException(
                $"_HANDLER is '{handler}'; it must name one of the functions: {string.Join(", ", Names)}.", nameof(handler)),
        };
    }
}
