using System.Collections.Concurrent;
using OtpService.Core.Lambda;

namespace OtpService.Local.Lambda;

/// <summary>A Lambda handler as the managed runtime calls it: the event's JSON in, the response's JSON out.</summary>
internal delegate Task<Stream> LambdaHandler(Stream input);

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

    private static readonly Dictionary<string, Func<Func<string, string?>, LambdaHandler>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [GenerateOtp] = env => new global::GenerateOtp.Function(new OtpServices(ServiceConfiguration.Read(env))).FunctionHandler,
        [SendOtpEmail] = env => new global::SendOtpEmail.Function(new OtpServices(ServiceConfiguration.Read(env))).FunctionHandler,
        [VerifyOtp] = env => new global::VerifyOtp.Function(new OtpServices(ServiceConfiguration.Read(env))).FunctionHandler,
    };

    public static IReadOnlyCollection<string> Names => [GenerateOtp, SendOtpEmail, VerifyOtp];

    /// <summary>
    /// The factory for <paramref name="name"/> (case-insensitive), or null for an unknown function;
    /// the instance reads <paramref name="environment"/> (the process environment when null).
    /// </summary>
    public static Func<LambdaHandler>? Find(string name, Func<string, string?>? environment = null) =>
        Factories.GetValueOrDefault(name) is { } factory ? () => factory(environment ?? Environment.GetEnvironmentVariable) : null;
}

/// <summary>
/// Instances of one function, used like Lambda uses execution environments: one invocation per
/// instance at a time, a new instance (a cold start) only when all are busy, reused afterwards.
/// </summary>
internal sealed class FunctionPool(string name, Func<LambdaHandler> factory)
{
    private readonly ConcurrentBag<LambdaHandler> idle = [];

    public string Name { get; } = name;

    /// <summary>Builds one instance now, so a configuration error shows at start, not on the first request.</summary>
    public void Warm() => idle.Add(factory());

    public async Task<Stream> InvokeAsync(Stream input)
    {
        if (!idle.TryTake(out var handler))
        {
            handler = factory();
        }

        try
        {
            return await handler(input).ConfigureAwait(false);
        }
        finally
        {
            idle.Add(handler);
        }
    }
}
