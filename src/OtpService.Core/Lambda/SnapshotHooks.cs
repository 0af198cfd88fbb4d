namespace OtpService.Core.Lambda;

/// <summary>
/// Lambda SnapStart's runtime hooks for our own runtime loop: work to do before Lambda snapshots
/// the initialized environment, and after it restores a copy of it. Run only when
/// <c>AWS_LAMBDA_INITIALIZATION_TYPE</c> is <c>snap-start</c>, in AWS's documented order: before-snapshot
/// hooks in reverse order of registration, after-restore hooks in order of registration
/// (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-dotnet.html; the same
/// registry as Amazon.Lambda.Core's SnapshotRestore, which our functions do not reference).
/// </summary>
public sealed class SnapshotHooks
{
    private readonly List<Func<CancellationToken, Task>> _beforeSnapshot = [];
    private readonly List<Func<CancellationToken, Task>> _afterRestore = [];

    /// <summary>Runs before the snapshot; a failure is a <c>Runtime.BeforeSnapshotError</c> and no snapshot is taken.</summary>
    public void RegisterBeforeSnapshot(Func<CancellationToken, Task> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        _beforeSnapshot.Add(hook);
    }

    /// <summary>Runs in each restored copy before its first event; a failure is a <c>Runtime.AfterRestoreError</c>. AWS allows the restore 10 s in all.</summary>
    public void RegisterAfterRestore(Func<CancellationToken, Task> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        _afterRestore.Add(hook);
    }

    internal async Task RunBeforeSnapshotAsync(CancellationToken cancellationToken)
    {
        for (var i = _beforeSnapshot.Count - 1; i >= 0; i--)
        {
            await _beforeSnapshot[i](cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task RunAfterRestoreAsync(CancellationToken cancellationToken)
    {
        foreach (var hook in _afterRestore)
        {
            await hook(cancellationToken).ConfigureAwait(false);
        }
    }
}
