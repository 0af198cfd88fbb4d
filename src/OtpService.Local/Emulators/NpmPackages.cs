using System.Diagnostics;
using System.Text.Json;

namespace OtpService.Local.Emulators;

/// <summary>
/// Installs the emulators pinned in the repository's package.json / package-lock.json with
/// <c>npm ci</c> the first time they are needed. Several processes may ask at once (parallel
/// test hosts, the runner, <c>invoke</c>): an exclusive lock file in the root's <c>obj/</c>
/// serialises them, and the check is repeated after the lock is taken so only one installs.
/// </summary>
internal static class NpmPackages
{
    private static readonly SemaphoreSlim InProcess = new(1, 1);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(6);

    public static async Task EnsureInstalledAsync(string root, Action<string>? log, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (IsInstalled(root))
        {
            return;
        }

        await InProcess.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var crossProcess = await AcquireLockAsync(root, clock, cancellationToken).ConfigureAwait(false);
            if (IsInstalled(root))
            {
                return;
            }

            log?.Invoke("Installing the local emulators (npm ci: dynalite, aws-ses-v2-local) - first run only ...");
            await RunNpmCiAsync(root, cancellationToken).ConfigureAwait(false);
            if (!IsInstalled(root))
            {
                throw new InvalidOperationException($"npm ci finished but the packages pinned in {Path.Combine(root, "package.json")} are still not in node_modules.");
            }
        }
        finally
        {
            InProcess.Release();
        }
    }

    /// <summary>Every dependency in package.json is in node_modules at exactly the pinned version.</summary>
    public static bool IsInstalled(string root)
    {
        foreach (var (name, version) in PinnedDependencies(root))
        {
            var manifest = Path.Combine(root, "node_modules", name, "package.json");
            if (!File.Exists(manifest) || ReadVersion(manifest) != version)
            {
                return false;
            }
        }

        return true;
    }

    private static List<(string Name, string Version)> PinnedDependencies(string root)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "package.json")));
        if (!doc.RootElement.TryGetProperty("dependencies", out var deps))
        {
            return [];
        }

        return deps.EnumerateObject().Select(p => (p.Name, p.Value.GetString() ?? "")).ToList();
    }

    private static string? ReadVersion(string manifest)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return doc.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string root, TimeProvider clock, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(root, "obj");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "npm-install.lock");
        var started = clock.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (clock.GetElapsedTime(started) < LockTimeout)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task RunNpmCiAsync(string root, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The local emulators need Node.js 20+ and npm on PATH; npm was not found.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(InstallTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"npm ci in {root} did not finish within {InstallTimeout.TotalMinutes} minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"npm ci in {root} failed (exit {process.ExitCode}):{Environment.NewLine}{await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}");
            }
        }
    }
}
