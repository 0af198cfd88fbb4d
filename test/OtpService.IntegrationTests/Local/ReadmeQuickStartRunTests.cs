using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OtpService.Local.Emulators;
using OtpService.Tests.Docs;
using OtpService.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Local;

/// <summary>
/// README's quick start run as a reader runs it, read from README itself: the runner started with
/// "Run it"'s command (free ports appended, as DocumentedCommandLinesTests does), its banner held to
/// the lines README shows, then "Call it"'s block pasted into bash top to bottom (only the runner's
/// and the mail page's ports changed), each command's answer held to the one README shows under it.
/// </summary>
[Collection(DotnetRunGroup.Name)]
public sealed partial class ReadmeQuickStartRunTests(ITestOutputHelper output)
{
    private const string StepEnd = "@@readme-step-end@@";

    [Fact]
    public async Task TheQuickStart_PastedAsWritten_AnswersAsReadmeShows()
    {
        var readme = ReadmeQuickStart.Read();
        var (api, site, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        var command = $"{readme.RunCommand} -- --port {Text(api)} --site-port {Text(site)} --dynamodb-port {Text(dynamo)} --ses-port {Text(ses)}";

        // The cooldown the last step shows must still hold when it runs: the test sets it well past
        // anything a loaded machine could take between the first generate and the last.
        await using var run = LocalRunnerProcess.StartShell(command, new Dictionary<string, string> { ["OTP_RESEND_COOLDOWN_SECONDS"] = "3600" });
        try
        {
            var ready = await run.WaitForOutputAsync("Ready.", TimeSpan.FromMinutes(4));
            output.WriteLine($"$ {command}{Environment.NewLine}{run.Output}{Environment.NewLine}{run.Errors}");
            Assert.True(ready, "the runner did not get ready");

            var printed = run.Output.Split(Environment.NewLine);
            foreach (var shown in readme.BannerLines.Where(l => l.Trim() != "..."))
            {
                var expected = WithPorts(shown, api, site, ses);
                Assert.True(printed.Any(l => ReadmeQuickStart.Matches(expected, l)), $"the runner printed no line like README's: {expected}");
            }

            var script = WithPorts(readme.CallBlock, api, site, ses);
            Assert.All(LoopbackPort().Matches(script), m => Assert.Contains(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), new[] { api, ses }));
            var answers = await RunStepsAsync(readme.Steps.Select(s => WithPorts(s.Command, api, site, ses)).ToList());

            Assert.Equal(readme.Steps.Count, answers.Count);
            for (var i = 0; i < readme.Steps.Count; i++)
            {
                output.WriteLine($"$ {readme.Steps[i].Command}{Environment.NewLine}{answers[i]}");
                if (readme.Steps[i].Expected is { } expected)
                {
                    Assert.True(ReadmeQuickStart.Matches(expected, answers[i]), $"README shows{Environment.NewLine}  {expected}{Environment.NewLine}under{Environment.NewLine}  {readme.Steps[i].Command}{Environment.NewLine}but it answered{Environment.NewLine}  {answers[i]}");
                }
            }
        }
        finally
        {
            run.Interrupt();
            await run.WaitForExitAsync(Patience.Wait);
        }
    }

    /// <summary>The commands in one bash, in order, as a paste runs them; what each printed.</summary>
    private static async Task<List<string>> RunStepsAsync(IReadOnlyList<string> commands)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = LocalRunnerProcess.RepositoryRootPath,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var bash = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        try
        {
            var stdout = bash.StandardOutput.ReadToEndAsync();
            var stderr = bash.StandardError.ReadToEndAsync();
            foreach (var command in commands)
            {
                await bash.StandardInput.WriteLineAsync(command);
                await bash.StandardInput.WriteLineAsync($"printf '\\n{StepEnd}\\n'");
            }

            bash.StandardInput.Close();
            using var timeout = new CancellationTokenSource(Patience.Wait);
            await bash.WaitForExitAsync(timeout.Token);
            var text = await stdout;
            Assert.True(string.IsNullOrWhiteSpace(await stderr), await stderr);
            return [.. text.Split($"\n{StepEnd}\n").SkipLast(1).Select(a => a.Trim())];
        }
        finally
        {
            // A step that never ends (the mail loop, if no mail came) is not left running.
            if (!bash.HasExited)
            {
                bash.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>README's default ports (API 3000, page 3001, mail 8005) replaced by this run's.</summary>
    private static string WithPorts(string text, int api, int site, int ses) =>
        text.Replace("127.0.0.1:3000", $"127.0.0.1:{Text(api)}", StringComparison.Ordinal)
            .Replace("127.0.0.1:3001", $"127.0.0.1:{Text(site)}", StringComparison.Ordinal)
            .Replace("127.0.0.1:8005", $"127.0.0.1:{Text(ses)}", StringComparison.Ordinal);

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"127\.0\.0\.1:(\d+)")]
    private static partial Regex LoopbackPort();
}
