using System.Collections.Concurrent;
using System.Diagnostics;

namespace OtpService.Local.Emulators;

/// <summary>
/// One emulator server: <c>node node_modules/&lt;pkg&gt;/&lt;cli&gt;.js --host 127.0.0.1 --port N</c>, started
/// directly (no npx: it is slower and a signal to npx leaves the server running).
/// </summary>
/// <remarks>
/// Three guards against a node process outliving its owner: <see cref="StopAsync"/> kills the
/// process; every live emulator is killed on <see cref="AppDomain.ProcessExit"/>; and node
/// is started with a one-line preload that exits when its stdin closes, which the kernel does
/// when this process dies in any way, even by SIGKILL. The kill is a plain SIGKILL, never
/// <c>Kill(entireProcessTree: true)</c>: on Unix that first SIGSTOPs the process to list its children,
/// and a killer that dies before its SIGKILL (a test host ended mid-exit) leaves the emulator stopped,
/// where it can no longer see its stdin close: orphaned, holding its port. node has no children here.
/// </remarks>
internal sealed class EmulatorProcess : IAsyncDisposable
{
    /// <summary>Preload for node: exit as soon as the parent's end of our stdin pipe is closed.</summary>
    private const string ExitWithParent =
        "data:text/javascript,process.stdin.on('end',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));process.stdin.resume();";

    private static readonly ConcurrentDictionary<int, Process> Live = new();
    // 15 s was too short on the shared 2-core machine at a load average near 60 (node took longer to
    // listen); an emulator that exits is reported at once, so the wait only costs time when it hangs.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly ConcurrentQueue<string> outputTail = new();
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int stopped;

    static EmulatorProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var p in Live.Values)
            {
                TryKill(p);
            }
        };
    }

    private EmulatorProcess(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        this.process = process;
        Pid = process.Id;
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// Completes with the exit code when the process ends by itself (it crashed or was killed from
    /// outside); never completes when it is stopped through <see cref="StopAsync"/>.
    /// </summary>
    public Task<int> ExitedUnexpectedly => exited.Task;

    /// <summary>
    /// The stop signal an exit code stands for: "SIGINT" for 130, "SIGTERM" for 143, else null.
    /// .NET's <see cref="Process.ExitCode"/> on Unix is 128 + N for a process ended by signal N
    /// (node has no handler of its own for either: its default action ends it), so an emulator that
    /// Ctrl+C (the terminal signals the whole foreground process group), <c>docker stop</c> or a
    /// service manager stopping the group ended reads 130 or 143. A crash reads otherwise: its own
    /// exit code, or 128 + SIGABRT/SIGSEGV, or 137 for SIGKILL (the OOM killer, <c>kill -9</c>).
    /// node's exit-with-parent preload exits 0, and only once the runner is gone.
    /// Source: https://man7.org/linux/man-pages/man7/signal.7.html (signal numbers).
    /// </summary>
    public static string? StopSignalOf(int exitCode) => exitCode switch
    {
        128 + 2 => "SIGINT",
        128 + 15 => "SIGTERM",
        _ => null,
    };

    /// <summary>The emulator's last lines of output (for a message when it dies).</summary>
    public string LastOutput => OutputTail();

    /// <summary>
    /// Starts <paramref name="cliPath"/> (relative to <paramref name="root"/>) on 127.0.0.1:<paramref name="port"/>
    /// and returns once the port accepts connections.
    /// </summary>
    /// <exception cref="PortInUseException">The port is taken before we start.</exception>
    public static async Task<EmulatorProcess> StartAsync(
        string name, string root, string cliPath, int port, IEnumerable<string> extraArguments, TimeProvider clock, CancellationToken cancellationToken)
    {
        Ports.EnsureFree(port, name);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--import", ExitWithParent, cliPath, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(extraArguments))
        {
            start.ArgumentList.Add(arg);
        }

        // aws-ses-v2-local forwards every mail to an SMTP server when this is set; locally we only keep it.
        start.Environment.Remove("SMTP_TRANSPORT");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"node did not start for {name}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The local emulators need Node.js 20+ on PATH; node was not found.", e);
        }

        Live[process.Id] = process;
        var emulator = new EmulatorProcess(name, port, process);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            if (Volatile.Read(ref emulator.stopped) == 0)
            {
                emulator.exited.TrySetResult(SafeExitCode(process));
            }
        };
        if (process.HasExited && Volatile.Read(ref emulator.stopped) == 0)
        {
            emulator.exited.TrySetResult(SafeExitCode(process));
        }

        process.OutputDataReceived += (_, e) => emulator.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => emulator.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await emulator.WaitUntilListeningAsync(clock, cancellationToken).ConfigureAwait(false);
            return emulator;
        }
        catch
        {
            await emulator.StopAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the emulator and waits until it is gone. Idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        TryKill(process);
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Killed with SIGKILL; it cannot refuse. Nothing more to do.
        }
        finally
        {
            Live.TryRemove(Pid, out _);
            process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task WaitUntilListeningAsync(TimeProvider clock, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        while (clock.GetElapsedTime(started) < StartTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                // Let the output readers drain what the process printed before it died.
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"{Name} exited with code {process.ExitCode} before listening on 127.0.0.1:{Port}.{Environment.NewLine}{OutputTail()}");
            }

            if (await Ports.AcceptsConnectionsAsync(Port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"{Name} did not listen on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds:0} s.{Environment.NewLine}{OutputTail()}");
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        outputTail.Enqueue(line);
        while (outputTail.Count > 40 && outputTail.TryDequeue(out _))
        {
        }
    }

    private string OutputTail() => string.Join(Environment.NewLine, outputTail);

    private static int SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private static void TryKill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }
}
