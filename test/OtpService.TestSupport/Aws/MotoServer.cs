using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;

namespace OtpService.Tests.Integration;

/// <summary>
/// moto's server (the Python package moto, <c>moto_server</c>) on a free loopback port: a real
/// emulator for the AWS services the npm emulators lack (KMS, Secrets Manager, DynamoDB Streams).
/// Any moto service answers on the one endpoint; clients sign for any region with any credentials.
/// <para>
/// Where moto is not installed, <see cref="WhyUnavailable"/> says so and how to install it, and
/// tests skip visibly with that reason (<c>Skip.If(MotoServer.WhyUnavailable is not null, MotoServer.WhyUnavailable)</c>).
/// The server is started as <c>python3 -c</c> with a guard thread that exits when its stdin closes
/// (the kernel closes it when the test process dies, even by SIGKILL), and is killed on dispose and
/// at process exit, like the npm emulators.
/// </para>
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private const string Python = "python3";

    /// <summary>Runs moto's server and exits when the parent's end of stdin closes.</summary>
    private const string Launcher =
        "import os, sys, threading\n"
        + "threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n"
        + "from moto.server import main\n"
        + "main(['-H', '127.0.0.1', '-p', sys.argv[1]])\n";

    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private static readonly Lazy<string?> Unavailable = new(Probe);
    private static readonly Lazy<Task<MotoServer>> Shared = new(() => StartAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly HttpClient Http = Patience.HttpClient();

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    static MotoServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Values)
            {
                Kill(process);
            }
        };
    }

    private MotoServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>Null when moto's server can run here; otherwise why not and how to install it.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    public int Port { get; }

    /// <summary>The endpoint for every AWS service moto emulates, e.g. http://127.0.0.1:41234.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    public int ProcessId => _process.Id;

    /// <summary>The process-wide server, started on first use (state is shared: give each test its own resources).</summary>
    public static Task<MotoServer> SharedAsync() => Shared.Value;

    /// <summary>A server of the caller's own, on a free port; the caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">moto is not installed (<see cref="WhyUnavailable"/>) or did not start.</exception>
    public static async Task<MotoServer> StartAsync()
    {
        if (WhyUnavailable is { } why)
        {
            throw new InvalidOperationException(why);
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = Ports.FreePort();
            var info = new ProcessStartInfo(Python)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(Launcher);
            info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            var process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start.");
            Live[process.Id] = process;
            var server = new MotoServer(process, port);
            process.OutputDataReceived += (_, e) => server.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await server.WaitUntilListeningAsync(TimeSpan.FromSeconds(30)))
            {
                return server;
            }

            await server.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"moto_server did not listen on port {port}: {string.Join(" | ", server._output)}");
            }
        }
    }

    /// <summary>
    /// The environment that points the SDKs and our clients at this server (dummy credentials,
    /// us-east-1), with <see cref="Patience.FunctionEnvironment"/>'s budget for the clients ours build.
    /// </summary>
    public IReadOnlyDictionary<string, string> AwsEnvironment() => new Dictionary<string, string>(Patience.FunctionEnvironment)
    {
        ["AWS_ENDPOINT_URL"] = Endpoint.ToString().TrimEnd('/'),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
    };

    /// <summary>
    /// Makes <paramref name="address"/> a verified SES identity in us-east-1 (moto verifies at once).
    /// The first SES call also loads moto's SES backend (seconds), so a test calls this before it
    /// times a send.
    /// </summary>
    public async Task VerifyIdentityAsync(string address)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint, "/v2/email/identities"))
        {
            Content = new StringContent($$"""{"EmailIdentity":"{{address}}"}""", Encoding.UTF8, "application/json"),
        };
        // moto picks the region (and so the account's identities) from the credential scope; it checks no signature.
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(
            "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync()
    {
        Live.TryRemove(_process.Id, out _);
        Kill(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 20 && _output.TryDequeue(out _))
        {
        }
    }

    private async Task<bool> WaitUntilListeningAsync(TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit && !_process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }

    private static string? Probe()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import moto, moto.server, flask; print(moto.__version__)"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (probe is null)
            {
                return "python3 could not be started; moto's server needs it.";
            }

            _ = probe.StandardOutput.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0
                ? null
                : $"moto's server is not installed for python3 (import moto.server failed). Install it with: pip install 'moto[server]'.";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "python3 is not on PATH; moto's server needs it. Install python3, then: pip install 'moto[server]'.";
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // SIGKILL only: Kill(entireProcessTree: true) SIGSTOPs first, and a test host that dies
                // before the SIGKILL leaves moto stopped and orphaned (its stdin guard cannot run). It has no children.
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
