namespace OtpService.Core.Rules;

/// <summary>
/// One invocation's deadline: a cancellation token that fires at <see cref="End"/>, passed to every
/// AWS call of the invocation, and the time left. Dispose it when the invocation ends.
/// </summary>
public sealed class InvocationDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeProvider _clock;

    internal InvocationDeadline(DateTimeOffset end, TimeProvider clock)
    {
        End = end;
        _clock = clock;
        _source = new CancellationTokenSource(NotBelowZero(end - clock.GetUtcNow()), clock);
    }

    /// <summary>When the invocation must have its answer.</summary>
    public DateTimeOffset End { get; }

    /// <summary>Cancelled at <see cref="End"/>.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once <see cref="End"/> has passed.</summary>
    public bool Expired => _source.IsCancellationRequested;

    /// <summary>Time left until <see cref="End"/>; zero once it has passed.</summary>
    public TimeSpan Remaining => NotBelowZero(End - _clock.GetUtcNow());

    /// <summary>True when at least <paramref name="work"/> is left, so work that long can start and still finish in time.</summary>
    public bool CanCover(TimeSpan work) => Remaining >= work;

    public void Dispose() => _source.Dispose();

    // A deadline already passed leaves zero, never a negative time (which CancellationTokenSource refuses).
    private static TimeSpan NotBelowZero(TimeSpan left) => TimeSpan.FromTicks(Math.Max(0, left.Ticks));
}
