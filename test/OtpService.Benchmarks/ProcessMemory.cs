using System.Globalization;

namespace OtpService.Benchmarks;

/// <summary>Peak resident memory of a live process: VmHWM ("high water mark") in /proc/PID/status.</summary>
internal static class ProcessMemory
{
    public static double? PeakRssMib(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kib / 1024.0;
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return null;
    }
}
