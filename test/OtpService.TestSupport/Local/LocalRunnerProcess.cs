using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>
/// The built local runner (OtpService.Local.dll, copied next to the tests) run as a real
/// process from the repository root, its output collected line by line.
/// </summary>
internal sealed class LocalRunnerProcess : IAsyncDisposable
{
    /// <summary>Runners not disposed yet: killed with their trees when the test host exits, so an aborted run leaves none behind.</summary>
    private static readonly ConcurrentDictionary<int, Process> Live = new();

    private readonly Process process;
    private readonly ConcurrentQueue<string> stdout = new();
    private readonly ConcurrentQueue<string> stderr = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    static LocalRunnerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var p in Live.Values)
            {
                ProcessTree.Kill(p.Id);
            }
        };
    }

    private LocalRunnerProcess(Process process)
    {
        this.process = process;
        Live[process.Id] = process;
    }

    public int Pid => process.Id;

    public string Output => string.Join(Environment.NewLine, stdout);

    public string Errors => string.Join(Environment.NewLine, stderr);

    public static string RepositoryRootPath => RepositoryRoot.Find();

    public static LocalRunnerProcess Start(params string[] args) => Start(args, null);

    public static LocalRunnerProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = AsInATerminal("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "OtpService.Local.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Run(start, environment);
    }

    /// <summary>
    /// A command line as a newcomer types it in a shell at the repository root (e.g. README's
    /// <c>dotnet run --project src/OtpService.Local -- invoke ...</c>), run by bash.
    /// </summary>
    public static LocalRunnerProcess StartShell(string commandLine, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = AsInATerminal("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(commandLine);
        return Run(start, environment);
    }

    /// <summary>
    /// <paramref name="program"/> at the repository root with SIGINT at its default action, as a
    /// command typed in a terminal has it, whatever the test host inherited: a shell starts its
    /// background jobs (<c>.ci/run &amp;</c>, <c>dotnet test ... &amp;</c>) with SIGINT ignored, every
    /// process below keeps it ignored (.NET respects an ignored signal), and then <see cref="Interrupt"/>
    /// would reach only node, which resets it. GNU env's --default-signal (coreutils 8.31+) resets it
    /// before exec, so the process is the one started (same pid).
    /// </summary>
    private static ProcessStartInfo AsInATerminal(string program)
    {
        var start = new ProcessStartInfo("env")
        {
            WorkingDirectory = RepositoryRootPath,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(program);
        return start;
    }

    private static LocalRunnerProcess Run(ProcessStartInfo start, IReadOnlyDictionary<string, string>? environment)
    {
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var runner = new LocalRunnerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            runner.stdout.Enqueue(e.Data);
            if (e.Data.StartsWith("Ready.", StringComparison.Ordinal))
            {
                runner.ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                runner.stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>The sign-in page's origin when started by <see cref="StartApiOnFreePortsAsync"/>, e.g. http://127.0.0.1:41234.</summary>
    public string SiteOrigin { get; private set; } = "";

    /// <summary>Starts `start-api` on free ports (the sign-in page's too) and waits until it prints "Ready.".</summary>
    public static async Task<(LocalRunnerProcess Runner, int ApiPort, int SesPort)> StartApiOnFreePortsAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        // Four distinct ports: the OS may hand back a port just released, and the runner refuses two alike.
        var api = Ports.FreePort();
        var site = Ports.FreePort(api);
        var dynamo = Ports.FreePort(api, site);
        var ses = Ports.FreePort(api, site, dynamo);
        var runner = Start(["--port", Text(api), "--site-port", Text(site), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses)], environment);
        runner.SiteOrigin = $"http://127.0.0.1:{Text(site)}";
        try
        {
            await runner.WaitUntilReadyAsync(Patience.Wait);
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
        return (runner, api, ses);
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(timeout));
        if (first != ready.Task)
        {
            throw new InvalidOperationException(
                $"The runner did not get ready ({(first == exited ? $"exited {process.ExitCode}" : "timed out")}).{Environment.NewLine}{Output}{Environment.NewLine}{Errors}");
        }
    }

    /// <summary>Waits for the process to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager or `kill` does.</summary>
    public void Terminate() => Signal("TERM", process.Id);

    /// <summary>Ctrl+C in a terminal: SIGINT to the whole process group (here: the process and everything below it).</summary>
    public void Interrupt() => Signal("INT", Descendants().Prepend(process.Id));

    /// <summary>Waits until the output has a line containing <paramref name="text"/>; false when the process ends or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal) || Errors.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                return Output.Contains(text, StringComparison.Ordinal) || Errors.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. "TERM") to every one of <paramref name="pids"/> at once (one <c>kill</c>).</summary>
    public static void Signal(string signal, params IEnumerable<int> pids)
    {
        using var kill = Process.Start("kill", pids.Select(Text).Prepend($"-{signal}"));
        kill.WaitForExit();
    }

    /// <summary>Sends <paramref name="first"/>, then at once <paramref name="second"/> to the runner (one shell, microseconds apart).</summary>
    public void SignalTwice(string first, string second)
    {
        using var shell = Process.Start("bash", ["-c", $"kill -{first} {Text(process.Id)}; kill -{second} {Text(process.Id)}"]);
        shell.WaitForExit();
    }

    /// <summary>Every process below this one (children, grandchildren), from /proc.</summary>
    public IReadOnlyList<int> Descendants() => ProcessTree.Descendants(process.Id);

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            Interrupt();
            try
            {
                // A clean stop is tried first (it stops the emulators too); the kill below is the fallback.
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                ProcessTree.Kill(process.Id);
            }
        }

        Live.TryRemove(process.Id, out _);
        process.Dispose();
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}

internal static class ProcessTree
{
    public static IReadOnlyList<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // Fields after the command's closing parenthesis: state, ppid, ...
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var (child, _) in parents.Where(p => p.Value == parent))
            {
                found.Add(child);
                queue.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>
    /// SIGKILLs <paramref name="root"/> and every process below it, children listed first (once the
    /// root is gone they belong to init). Never <c>Process.Kill(entireProcessTree: true)</c>: on Unix it
    /// SIGSTOPs each process before listing its children, so a test host that dies in between leaves
    /// stopped orphans (a stopped emulator cannot see its stdin close) that hold their ports for good.
    /// </summary>
    public static void Kill(int root)
    {
        foreach (var pid in new[] { root }.Concat(Descendants(root)))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
