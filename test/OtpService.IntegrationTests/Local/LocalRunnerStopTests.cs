using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OtpService.Local.Emulators;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>The runner's stop when a dependency hangs: it still ends, within its own bounds, not the dependency's.</summary>
public sealed class LocalRunnerStopTests
{
    private static readonly HttpClient Http = Patience.HttpClient();

    /// <summary>
    /// A stream delivery still waiting on SES when the runner is stopped: once the runner is ready,
    /// the SES endpoint it was given (a real relay to aws-ses-v2-local) starts holding every new
    /// connection without answering, as a hung service does (the fault no emulator produces), and
    /// the function's timeout is Lambda's longest (900 s), so its SendEmail call waits minutes (a fifth
    /// of the budget). The stop waits a bounded time for it (StreamDeliverer.InvocationWaitOnStop),
    /// says it leaves it behind, and exits 0; before, it waited for the function's SES timeout.
    /// </summary>
    [Fact]
    public async Task Stop_WithADeliveryWaitingOnAHangingSes_LeavesItBehind_AndExitsZero()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        await using var ses = new HangingRelay(emulators.SesEndpoint);
        var api = Ports.FreePort();
        await using var runner = LocalRunnerProcess.Start(
            ["--port", Text(api), "--site-port", Text(Ports.FreePort()), "--dynamodb-port", Text(Ports.FreePort()), "--ses-endpoint", ses.Url.ToString()],
            new Dictionary<string, string> { ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "900", ["OTP_AWS_TIMEOUT_CAP_SECONDS"] = "900" });
        await runner.WaitUntilReadyAsync(Patience.Wait);
        ses.Hang();

        using (var generated = await Http.GetAsync(new Uri($"http://127.0.0.1:{Text(api)}/otp/generate?email_address={Guid.NewGuid():N}%40example.com")))
        {
            Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        }

        Assert.True(await SentAsync(ses), $"SendEmail never reached the held SES{Environment.NewLine}{runner.Output}{Environment.NewLine}{runner.Errors}");
        runner.Terminate();
        var exitCode = await runner.WaitForExitAsync(Patience.Wait);

        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{runner.Errors}");
        Assert.Contains("left behind at the stop", runner.Output, StringComparison.Ordinal);
    }

    /// <summary>True once SendOtpEmail's SendEmail request (SES v2: POST /v2/email/outbound-emails) is on a held connection.</summary>
    private static async Task<bool> SentAsync(HangingRelay relay)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!relay.SawSendEmail)
        {
            if (clock.Elapsed > Patience.Wait)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    /// <summary>
    /// A real TCP relay to <c>upstream</c> until <see cref="Hang"/>; after it, every new connection is
    /// accepted and held: its request is read (to see what it was) but never passed on or answered.
    /// </summary>
    private sealed class HangingRelay : IAsyncDisposable
    {
        private readonly Uri upstream;
        private readonly LoopbackListener listener;
        private readonly List<Socket> held = [];
        private int hanging;
        private int sawSendEmail;

        public HangingRelay(Uri upstream)
        {
            this.upstream = upstream;
            listener = new LoopbackListener(AcceptedAsync);
        }

        public Uri Url => listener.Url;

        public bool SawSendEmail => Volatile.Read(ref sawSendEmail) == 1;

        public void Hang() => Volatile.Write(ref hanging, 1);

        public async ValueTask DisposeAsync()
        {
            await listener.DisposeAsync();
            lock (held)
            {
                held.ForEach(s => s.Dispose());
            }
        }

        private Task AcceptedAsync(Socket client, CancellationToken stopping)
        {
            if (Volatile.Read(ref hanging) == 1)
            {
                lock (held)
                {
                    held.Add(client);
                }

                _ = WatchAsync(client, stopping);
            }
            else
            {
                _ = RelayAsync(client, stopping);
            }

            return Task.CompletedTask;
        }

        private async Task WatchAsync(Socket client, CancellationToken stopping)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await client.ReceiveAsync(buffer, stopping)) > 0)
                {
                    if (System.Text.Encoding.Latin1.GetString(buffer, 0, read).Contains("/v2/email/outbound-emails", StringComparison.Ordinal))
                    {
                        Volatile.Write(ref sawSendEmail, 1);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Closed.
            }
        }

        private async Task RelayAsync(Socket client, CancellationToken stopping)
        {
            try
            {
                using var toClient = new NetworkStream(client, ownsSocket: true);
                using var server = new TcpClient();
                await server.ConnectAsync(upstream.Host, upstream.Port, stopping);
                var toServer = server.GetStream();
                await Task.WhenAny(toClient.CopyToAsync(toServer, stopping), toServer.CopyToAsync(toClient, stopping));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A connection ended.
            }
        }
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
