using System.Diagnostics;
using System.Text;
using OtpService.Tests.Bootstrap;

namespace OtpService.Tests.Deploy;

/// <summary>
/// One published package running as Lambda runs it: the command <see cref="LambdaLaunch"/> builds
/// for its template Handler, Lambda's environment, and its own Runtime API stand-in. Collects
/// stdout and stderr line by line; disposing kills the process (and waits for it), also when a
/// test failed.
/// </summary>
public sealed class LaunchedFunction : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private LaunchedFunction(Process process, FakeRuntimeApi api, LaunchCommand command)
    {
        _process = process;
        Api = api;
        Command = command;
    }

    /// <summary>The Runtime API stand-in this process talks to.</summary>
    public FakeRuntimeApi Api { get; }

    /// <summary>What was started.</summary>
    public LaunchCommand Command { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The process's stdout so far, one entry a line.</summary>
    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="published"/> with the variables Lambda sets and <paramref name="function"/>'s own.</summary>
    public static LaunchedFunction Start(PublishedFunction published, IReadOnlyDictionary<string, string> function)
    {
        ArgumentNullException.ThrowIfNull(published);
        var api = FakeRuntimeApi.Start();
        var command = LambdaLaunch.For(published.Runtime, published.Handler, published.ArtifactsDir, LambdaLaunch.Dotnet);
        var start = LambdaLaunch.StartInfo(command, LambdaLaunch.EnvironmentFor(published, api.Address, function));
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command}.");
        var launched = new LaunchedFunction(process, api, command);
        process.OutputDataReceived += (_, e) => Append(launched._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(launched._stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return launched;
    }

    /// <summary>Queues <paramref name="payload"/> and returns what the function posted for it within <paramref name="timeout"/>.</summary>
    /// <param name="payload">The event.</param>
    /// <param name="timeout">How long to wait for the post.</param>
    /// <param name="deadline">Lambda-Runtime-Deadline-Ms, from now; <paramref name="timeout"/> unless given.</param>
    public async Task<RuntimePost> InvokeAsync(byte[] payload, TimeSpan timeout, TimeSpan? deadline = null)
    {
        var requestId = Guid.NewGuid().ToString();
        var deadlineMs = DateTimeOffset.UtcNow.Add(deadline ?? timeout).ToUnixTimeMilliseconds();
        Api.Enqueue(new FakeInvocation(requestId, payload, deadlineMs, "Root=1-67d1dc9e-0123456789abcdef01234567;Sampled=0"));
        RuntimePost post;
        try
        {
            post = await Api.NextPostAsync(timeout);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Command} posted nothing within {timeout}{(HasExited ? $"; it exited {ExitCode}" : "")}. stderr:\n{Stderr}");
        }

        return post.RequestId == requestId || post.Kind == "init/error"
            ? post
            : throw new InvalidOperationException($"Posted for request {post.RequestId}, not {requestId}: {post.Text}");
    }

    /// <summary>
    /// The file names of the managed assemblies (<c>*.dll</c>) the process has mapped, from <c>/proc/PID/maps</c>: the
    /// runtime maps every assembly it loads from its file, so this is the set of assemblies loaded so far (Linux only).
    /// </summary>
    public IReadOnlySet<string> MappedAssemblies() =>
        File.ReadLines($"/proc/{_process.Id}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && fields[5].EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(fields => Path.GetFileName(fields[5]))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits for the process to end (an init error ends it).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // A plain SIGKILL: a tree kill SIGSTOPs first and can leave a stopped orphan (see Support/Patience).
                _process.Kill();
            }

            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            await Api.DisposeAsync();
        }
    }

    private static void Append(StringBuilder into, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.Append(line).Append('\n');
        }
    }
}
