using OtpService.Core.Lambda;

namespace OtpService.Local.Lambda;

/// <summary>
/// The three functions, built as Lambda builds them: from their environment variables (the
/// process environment, set by <see cref="LocalEnvironment"/>, with a function's own variables
/// from an <c>--env-vars</c> file on top), through the same <c>OtpServices</c> their public
/// parameterless constructors use.
/// </summary>
internal static class LambdaFunctions
{
    public const string GenerateOtp = "GenerateOtp";
    public const string SendOtpEmail = "SendOtpEmail";
    public const string VerifyOtp = "VerifyOtp";

    private static readonly Dictionary<string, Func<Func<string, string?>, TimeProvider, LambdaHandler>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [GenerateOtp] = (env, clock) => new global::GenerateOtp.Function(new OtpServices(ServiceConfiguration.Read(env), clock)).FunctionHandler,
        [SendOtpEmail] = (env, clock) => new global::SendOtpEmail.Function(new OtpServices(ServiceConfiguration.Read(env), clock)).FunctionHandler,
        [VerifyOtp] = (env, clock) => new global::VerifyOtp.Function(new OtpServices(ServiceConfiguration.Read(env), clock)).FunctionHandler,
    };

    public static IReadOnlyCollection<string> Names => [GenerateOtp, SendOtpEmail, VerifyOtp];

    /// <summary>
    /// The factory for <paramref name="name"/> (case-insensitive), or null for an unknown function;
    /// the instance reads <paramref name="environment"/> (the process environment when null) and the time from <paramref name="clock"/>.
    /// </summary>
    public static Func<LambdaHandler>? Find(string name, TimeProvider clock, Func<string, string?>? environment = null) =>
        Factories.GetValueOrDefault(name) is { } factory ? () => factory(environment ?? Environment.GetEnvironmentVariable, clock) : null;
}
