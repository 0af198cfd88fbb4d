using System.Diagnostics;
using System.Globalization;

namespace OtpService.Benchmarks;

/// <summary>The built local runner as a child process: waiting for "Ready.", stopping it as Ctrl+C does, and its process tree's CPU from /proc.</summary>
internal static class RunnerProcesses
{
    public static async Task WaitReadyAsync(Process process, TimeSpan timeout)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("Ready.", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(timeout);
    }

    /// <summary>SIGINT to the process and everything below it, as Ctrl+C in a terminal does.</summary>
    public static async Task StopTreeAsync(Process process)
    {
        foreach (var pid in Tree(process.Id))
        {
            using var signal = Process.Start("kill", ["-INT", Text(pid)]);
            await signal.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>utime + stime of one process, in clock ticks (fields 14 and 15 of /proc/PID/stat).</summary>
    public static long CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static List<int> Tree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // Gone.
                }
            }
        }

        var found = new List<int> { root };
        for (var i = 0; i < found.Count; i++)
        {
            found.AddRange(parents.Where(p => p.Value == found[i]).Select(p => p.Key));
        }

        return found;
    }

    /// <summary>The process's command line (NUL-separated arguments joined by spaces), or "" once it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);
}
