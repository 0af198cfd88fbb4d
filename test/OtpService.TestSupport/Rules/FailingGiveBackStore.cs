using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>
/// Passes every call on but gives back a window count (<see cref="IOtpStore.UncountAsync"/>) only
/// after yielding, and fails doing so (DynamoDB throttling that one write, say): a fault of one
/// call of several that the in-memory store cannot make on its own. A rule that leaves the give-back
/// running, or never awaits it, answers as if nothing failed.
/// </summary>
public sealed class FailingGiveBackStore(IOtpStore inner) : DelegatingStore(inner)
{
    private int _giveBacks;

    public DependencyException Failure { get; } = Failures.StoreUnavailable("UncountAsync failed: HTTP 400 ProvisionedThroughputExceededException.", "ProvisionedThroughputExceededException");

    /// <summary>How many give-backs were tried.</summary>
    public int GiveBacks => Volatile.Read(ref _giveBacks);

    public override async Task UncountAsync(WindowKey window, WindowCounter counter, string token, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _giveBacks);
        await Task.Yield();
        throw Failure;
    }
}
