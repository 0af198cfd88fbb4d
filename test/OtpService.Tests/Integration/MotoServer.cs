using System.Diagnostics;
using System.Globalization;
using OtpService.Local.Emulators;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>
/// moto's server (<c>moto_server -H 127.0.0.1 -p PORT</c>; the pip package moto[server], present with
/// this machine image's python3): DynamoDB with real DynamoDB Streams, SES v2, Secrets Manager and
/// KMS on one loopback port. Started per fixture on a free port and killed with it. Where moto is
/// not installed, <see cref="MotoFactAttribute"/> skips the test and says why.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private readonly Process process;

    private MotoServer(Process process, int port)
    {
        this.process = process;
        Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Why moto cannot be run here, or null when it can.</summary>
    public static string? Missing { get; } = FindMissing();

    public Uri Endpoint { get; }

    public int Pid => process.Id;

    public static async Task<MotoServer> StartAsync()
    {
        if (Missing is { } why)
        {
            throw new InvalidOperationException(why);
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = Ports.FreePort();
            var start = new ProcessStartInfo("moto_server")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start.");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new MotoServer(process, port);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                if (await Ports.AcceptsConnectionsAsync(port, CancellationToken.None))
                {
                    return server;
                }

                await Task.Delay(100);
            }

            await server.DisposeAsync();
            if (attempt >= 3)
            {
                throw new TimeoutException($"moto_server did not listen on 127.0.0.1:{port} within 30 s.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static string? FindMissing()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "moto_server")));
        return onPath
            ? null
            : "moto_server is not on PATH: install moto's server with `python3 -m pip install 'moto[server]==5.2.1'` (see README, Tests) to run the tests against moto.";
    }
}

/// <summary>A fact that needs moto's server; skipped, with the reason and how to install it, where moto is missing.</summary>
public sealed class MotoFactAttribute : FactAttribute
{
    public MotoFactAttribute()
    {
        if (MotoServer.Missing is { } why)
        {
            Skip = why;
        }
    }
}
