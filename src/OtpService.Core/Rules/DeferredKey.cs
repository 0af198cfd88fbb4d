namespace OtpService.Core.Rules;

/// <summary>Makes <see cref="DeferredKey{T}"/>s.</summary>
public static class DeferredKey
{
    /// <summary>A key known from the start (given directly, in local development): never read.</summary>
    public static DeferredKey<T> Known<T>(T value)
        where T : class => new(value ?? throw new ArgumentNullException(nameof(value)));
}

/// <summary>
/// A key (or a set of keys) read from a key store (Secrets Manager, KMS) that a function cannot work
/// without. The read starts at init (<see cref="Start"/>) and the function is built whether or not it
/// succeeds; a caller that needs the key awaits it (<see cref="GetAsync"/>), and after a failed read
/// the next caller reads again, so a store that was down at init, or refused a wrong deployment
/// that has since been fixed, serves the next request without a new process. One read runs at a
/// time; concurrent callers share it.
/// </summary>
/// <typeparam name="T">What the read returns.</typeparam>
public sealed class DeferredKey<T>
    where T : class
{
    private readonly Func<CancellationToken, Task<T>>? _read;
    private readonly Lock _gate = new();
    private readonly T? _value;
    private Task<T>? _reading;

    /// <param name="read">
    /// One read, bounded by its own client timeouts (it is never cancelled by a caller's deadline, so
    /// concurrent callers can share it). It throws the store's failure already classified
    /// (<see cref="DependencyException"/>), which is what
    /// <see cref="GetAsync"/> throws.
    /// </param>
    public DeferredKey(Func<CancellationToken, Task<T>> read) => _read = read ?? throw new ArgumentNullException(nameof(read));

    internal DeferredKey(T value) => _value = value;

    /// <summary>The key once a read succeeded; null before.</summary>
    public T? Value => _value ?? (Volatile.Read(ref _reading) is { IsCompletedSuccessfully: true } done ? done.Result : null);

    /// <summary>Starts a read unless the key is in or a read is running; returns the running read.</summary>
    public Task<T> Start()
    {
        lock (_gate)
        {
            if (Value is { } value)
            {
                return Task.FromResult(value);
            }

            if (_reading is { IsCompleted: false } running)
            {
                return running;
            }

            var reading = Task.Run(() => _read!(CancellationToken.None));
            _reading = reading;
            // Observed: a failed read is reported to whoever awaits it, or to nobody. Once it
            // succeeded, Value reads its result from _reading, which no later Start replaces.
            _ = reading.ContinueWith(static done => _ = done.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return reading;
        }
    }

    /// <summary>
    /// The key: at once when it is in; else the running read, or a new one. When the read it found
    /// running (started at init, or by another caller) fails, it starts one more, so every request
    /// makes at least one read of its own within its time (also when that read ended cancelled, as
    /// an SDK call's own timeout can).
    /// </summary>
    /// <param name="cancellationToken">The caller's deadline: stops the wait, not the read.</param>
    /// <exception cref="DependencyException">The key store (Secrets Manager, KMS) failed, transiently or for the deployment's fault.</exception>
    /// <exception cref="OperationCanceledException">The caller's deadline came first.</exception>
    public async ValueTask<T> GetAsync(CancellationToken cancellationToken)
    {
        if (Value is { } value)
        {
            return value;
        }

        Task<T>? found;
        lock (_gate)
        {
            found = _reading is { IsCompleted: false } running ? running : null;
        }

        if (found is not null)
        {
            try
            {
                return await found.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Someone else's read failed or was cancelled, not this caller's wait: this request
                // still gets a read of its own.
            }
        }

        return await Start().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for the running read (at init: the function is built
    /// either way). Returns null when the key is in or the read is still running, else the read's failure.
    /// </summary>
    public Exception? Wait(TimeSpan timeout)
    {
        Task<T> reading;
        lock (_gate)
        {
            if (Value is not null || _reading is null)
            {
                return null;
            }

            reading = _reading;
        }

        try
        {
            reading.Wait(timeout); // Blocking on purpose: init, in a constructor, with no synchronization context.
            return null;
        }
        catch (AggregateException failed)
        {
            return failed.InnerExceptions.Count == 1 ? failed.InnerException : failed;
        }
    }
}
