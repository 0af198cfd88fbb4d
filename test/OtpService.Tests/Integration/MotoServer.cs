using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using OtpService.Local.Emulators;

namespace OtpService.Tests.Integration;

/// <summary>
/// moto's server (python3 -m moto.server, present with the machine image's python3) on a free
/// loopback port, started once per test process and killed when it exits. It stands in for SES
/// where aws-ses-v2-local cannot fail: it refuses an unverified sender with MessageRejected and a
/// recipient it cannot parse with InvalidParameterValue, both over the real SES v2 HTTP API.
/// </summary>
public sealed class MotoServer
{
    private static readonly Lazy<Task<MotoServer>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private MotoServer(Uri endpoint) => Endpoint = endpoint;

    /// <summary>http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SESV2.</summary>
    public Uri Endpoint { get; }

    public static Task<MotoServer> StartedAsync() => Shared.Value;

    /// <summary>Makes <paramref name="address"/> a verified SES identity in us-east-1 (moto verifies at once).</summary>
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

    private static async Task<MotoServer> StartAsync()
    {
        var port = Ports.FreePort();
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("These tests need python3 with moto (the machine image has both; `python3 -m pip install 'moto[server]'` elsewhere).", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        };

        var endpoint = new Uri($"http://127.0.0.1:{port}");
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto's server exited at once (code {process.ExitCode}); is moto installed for python3?");
            }

            try
            {
                using var ready = await Http.GetAsync(new Uri(endpoint, "/moto-api/"));
                var server = new MotoServer(endpoint);
                // moto loads a service's backend on its first request (seconds): do it now, not inside a test's SES timeout.
                await server.VerifyIdentityAsync("warm-up@moto.test");
                return server;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }
}
