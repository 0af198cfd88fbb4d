namespace OtpService.Core.Rules;

/// <summary>
/// Lambda's own deadline for the current invocation, when the runtime knows it: the Native AOT
/// bootstrap reads <c>Lambda-Runtime-Deadline-Ms</c> from the Runtime API and sets it around the
/// handler call. The managed runtime exposes it only through ILambdaContext, which our handlers
/// (Stream in, Stream out, no Amazon.Lambda.Core) do not receive, so there it stays null.
/// </summary>
public static class RuntimeDeadline
{
    private static readonly AsyncLocal<DateTimeOffset?> Deadline = new();

    /// <summary>The current invocation's deadline (flows with the handler's async calls), or null when unknown.</summary>
    public static DateTimeOffset? Current => Deadline.Value;

    /// <summary>Sets the deadline for the code that runs (and awaits) inside the returned scope.</summary>
    public static IDisposable Set(DateTimeOffset? deadline)
    {
        var previous = Deadline.Value;
        Deadline.Value = deadline;
        return new Scope(previous);
    }

    private sealed class Scope(DateTimeOffset? previous) : IDisposable
    {
        public void Dispose() => Deadline.Value = previous;
    }
}
