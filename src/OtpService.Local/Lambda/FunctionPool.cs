using System.Collections.Concurrent;

namespace OtpService.Local.Lambda;

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
