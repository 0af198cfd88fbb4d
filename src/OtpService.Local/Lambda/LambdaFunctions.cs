using System.Collections.Concurrent;

namespace OtpService.Local.Lambda;

/// <summary>A Lambda handler as the managed runtime calls it: the event's JSON in, the response's JSON out.</summary>
internal delegate Task<Stream> LambdaHandler(Stream input);

/// <summary>
/// The three functions, built exactly as Lambda builds them: with their public parameterless
/// constructors, which read configuration from environment variables (set by <see cref="LocalEnvironment"/>).
/// </summary>
internal static class LambdaFunctions
{
    public const string GenerateOtp = "GenerateOtp";
    public const string SendOtpEmail = "SendOtpEmail";
    public const string VerifyOtp = "VerifyOtp";

    private static readonly Dictionary<string, Func<LambdaHandler>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [GenerateOtp] = () => new global::GenerateOtp.Function().FunctionHandler,
        [SendOtpEmail] = () => new global::SendOtpEmail.Function().FunctionHandler,
        [VerifyOtp] = () => new global::VerifyOtp.Function().FunctionHandler,
    };

    public static IReadOnlyCollection<string> Names => [GenerateOtp, SendOtpEmail, VerifyOtp];

    /// <summary>The factory for <paramref name="name"/> (case-insensitive), or null for an unknown function.</summary>
    public static Func<LambdaHandler>? Find(string name) => Factories.GetValueOrDefault(name);
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
