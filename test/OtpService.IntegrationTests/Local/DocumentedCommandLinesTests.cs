using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpService.Local.Emulators;
using Xunit;
using Xunit.Abstractions;
using OtpService.Tests.Support;

namespace OtpService.Tests.Local;

/// <summary>
/// The runner's command lines exactly as README.md and docs/*.md show them, run as a newcomer
/// runs them: in a shell at the repository root, through <c>dotnet run --project ...</c> (whose
/// working directory for a Web SDK project would otherwise be the project's folder). Only the
/// ports change: free ones replace or follow the defaults, so the test runs beside anything else.
/// </summary>
[Collection(DotnetRunGroup.Name)]
public sealed partial class DocumentedCommandLinesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FirstRun = TimeSpan.FromMinutes(4);
    private static readonly HttpClient Http = Patience.HttpClient();

    public static TheoryData<string> InvokeLines() => [.. Runnable().Where(l => l.Contains(" -- invoke ", StringComparison.Ordinal))];

    public static TheoryData<string> StartApiLines() => [.. Runnable().Where(l => !l.Contains(" -- invoke ", StringComparison.Ordinal) && !l.Contains(" -- mail-preview", StringComparison.Ordinal))];

    public static TheoryData<string> MailPreviewLines() => [.. Runnable().Where(l => l.Contains(" -- mail-preview", StringComparison.Ordinal))];

    /// <summary>Lines for a moto the reader starts first (in the same block): run against a moto started here.</summary>
    public static TheoryData<string> MotoLines() => [.. MotoLineList()];

    [Fact]
    public void OnlyLinesThatNeedDockerOrJava_AreNotRun()
    {
        var notRun = Documented().Where(d => IsRunnerLine(d.Line) && !Runnable().Contains(d.Line) && !MotoLineList().Contains(d.Line)).ToList();

        Assert.All(notRun, d => Assert.Matches("docker run|java ", d.Block));
    }

    [MotoTheory]
    [MemberData(nameof(MotoLines))]
    public async Task DocumentedMotoLine_RunFromTheRepositoryRoot_ServesFromMoto(string line)
    {
        await using var moto = await Integration.MotoServer.StartAsync();
        var command = WithFreePorts(line.Replace("http://127.0.0.1:5000", moto.Endpoint.ToString().TrimEnd('/'), StringComparison.Ordinal), out var api, out _);

        await using var run = LocalRunnerProcess.StartShell(command);
        try
        {
            var ready = await run.WaitForOutputAsync(LocalReady, FirstRun);
            output.WriteLine($"$ {command}{Environment.NewLine}{run.Output}{Environment.NewLine}{run.Errors}");
            Assert.True(ready, "the runner did not get ready");
            Assert.Contains("DynamoDB Streams API", run.Output, StringComparison.Ordinal);

            using var generated = await Http.GetAsync(new Uri($"http://127.0.0.1:{api}/otp/generate?email_address={Guid.NewGuid():N}%40example.com"));
            Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
        }
        finally
        {
            run.Interrupt();
            await run.WaitForExitAsync(Patience.Wait);
        }
    }

    [Fact]
    public void TheDocsShowTheCommandsThisTestRuns()
    {
        var lines = Runnable();

        Assert.Contains("dotnet run --project src/OtpService.Local", lines);
        Assert.Contains(lines, l => l.StartsWith("dotnet run --project src/OtpService.Local -- invoke GenerateOtp --event events/", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--env-vars events/env.json", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--data ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--site-port ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" -- mail-preview --locale ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InvokeLines))]
    public async Task DocumentedInvoke_RunFromTheRepositoryRoot_FindsItsFilesThere(string line)
    {
        var command = WithFreePorts(line, out _, out _);

        await using var run = LocalRunnerProcess.StartShell(command);
        var exitCode = await run.WaitForExitAsync(FirstRun);
        output.WriteLine($"$ {command}{Environment.NewLine}{run.Output}{Environment.NewLine}{run.Errors}");

        Assert.Equal(0, exitCode);
        using var response = JsonDocument.Parse(run.Output);
        Assert.Equal(JsonValueKind.Object, response.RootElement.ValueKind);
    }

    [Theory]
    [MemberData(nameof(MailPreviewLines))]
    public async Task DocumentedMailPreview_RunFromTheRepositoryRoot_WritesTheMail(string line)
    {
        var folder = $"obj/mail-preview-{Guid.NewGuid():N}";
        var command = $"{line} --out {folder}";

        await using var run = LocalRunnerProcess.StartShell(command);
        var exitCode = await run.WaitForExitAsync(FirstRun);
        output.WriteLine($"$ {command}{Environment.NewLine}{run.Output}{Environment.NewLine}{run.Errors}");
        var written = Path.Combine(LocalRunnerProcess.RepositoryRootPath, folder);
        try
        {
            Assert.Equal(0, exitCode);
            Assert.Contains(written, run.Output, StringComparison.Ordinal);
            Assert.All(PreviewFiles, f => Assert.True(File.Exists(Path.Combine(written, f)), $"{f} not written"));
        }
        finally
        {
            if (Directory.Exists(written))
            {
                Directory.Delete(written, recursive: true);
            }
        }
    }

    [Theory]
    [MemberData(nameof(StartApiLines))]
    public async Task DocumentedStartApi_RunFromTheRepositoryRoot_Serves(string line)
    {
        var dataDirectory = $"obj/test-data-{Guid.NewGuid():N}";
        var command = WithFreePorts(line.Replace("--data .local-data", $"--data {dataDirectory}", StringComparison.Ordinal), out var api, out var site);

        await using var run = LocalRunnerProcess.StartShell(command);
        try
        {
            var ready = await run.WaitForOutputAsync(LocalReady, FirstRun);
            output.WriteLine($"$ {command}{Environment.NewLine}{run.Output}{Environment.NewLine}{run.Errors}");
            Assert.True(ready, "the runner did not get ready");

            using var generated = await Http.GetAsync(new Uri($"http://127.0.0.1:{api}/otp/generate?email_address={Guid.NewGuid():N}%40example.com"));
            Assert.Equal(HttpStatusCode.Accepted, generated.StatusCode);
            await AssertThePageIsServedAndAllowedAsync(site, api);
            if (command.Contains("--data ", StringComparison.Ordinal))
            {
                // Relative to where the command was typed (the root), not to src/OtpService.Local.
                Assert.True(Directory.Exists(Path.Combine(LocalRunnerProcess.RepositoryRootPath, dataDirectory)), $"{dataDirectory} is not under the repository root");
                Assert.False(Directory.Exists(Path.Combine(LocalRunnerProcess.RepositoryRootPath, "src", "OtpService.Local", dataDirectory)));
            }
        }
        finally
        {
            run.Interrupt();
            await run.WaitForExitAsync(Patience.Wait);
            var data = Path.Combine(LocalRunnerProcess.RepositoryRootPath, dataDirectory);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private const string LocalReady = "Ready.";

    private static readonly string[] PreviewFiles = ["subject.txt", "mail.html", "mail.txt"];

    /// <summary>
    /// The sign-in page on its own port, its config.js pointing at this run's API, and the API's
    /// preflight allowing the page's origin: what a reader opening the page after the command needs.
    /// </summary>
    private static async Task AssertThePageIsServedAndAllowedAsync(int sitePort, int apiPort)
    {
        var origin = $"http://127.0.0.1:{sitePort.ToString(CultureInfo.InvariantCulture)}";
        using var page = await Http.GetAsync(new Uri(origin + "/"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("autocomplete=\"one-time-code\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var config = await Http.GetStringAsync(new Uri(origin + "/config.js"));
        Assert.Contains($"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}", config, StringComparison.Ordinal);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri($"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}/otp/verify"));
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var answer = await Http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(origin, Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    /// <summary>
    /// The runner command lines this test runs itself: every one in the fenced code blocks of
    /// README.md and docs/*.md, except piped ones (they need a file of the reader's) and those
    /// whose block first starts an emulator of the reader's (moto: <see cref="MotoLines"/>; Docker, Java: not here).
    /// </summary>
    private static List<string> Runnable() =>
        Documented().Where(d => IsRunnerLine(d.Line) && !d.Block.Contains("moto_server", StringComparison.Ordinal)
                && !d.Block.Contains("docker run", StringComparison.Ordinal) && !d.Line.Contains('|', StringComparison.Ordinal))
            .Select(d => d.Line).Distinct().ToList();

    private static List<string> MotoLineList() =>
        Documented().Where(d => d.Block.Contains("moto_server", StringComparison.Ordinal) && IsRunnerLine(d.Line)).Select(d => d.Line).Distinct().ToList();

    // aot-template rewrites template-aot.yaml and serves nothing: Deploy/AotTemplateGenerationTests checks its documented lines.
    private static bool IsRunnerLine(string line) =>
        RunnerLine().IsMatch(line) && !line.Contains("--help", StringComparison.Ordinal) && !line.Contains(" -- aot-template", StringComparison.Ordinal);

    /// <summary>Every line of every fenced code block of README.md and docs/*.md, with its block.</summary>
    private static List<(string Line, string Block)> Documented()
    {
        var lines = new List<(string, string)>();
        var root = LocalRunnerProcess.RepositoryRootPath;
        var docs = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal).Select(p => Path.GetRelativePath(root, p));
        foreach (var doc in docs.Prepend("README.md"))
        {
            var text = File.ReadAllText(Path.Combine(root, doc));
            foreach (Match block in FencedBlock().Matches(text))
            {
                var body = block.Groups[1].Value;
                lines.AddRange(body.Split('\n').Select(l => (Regex.Replace(l, @"\s+#.*$", "").Trim(), body)));
            }
        }

        return lines;
    }

    /// <summary>The line with free ports: given port values replaced, missing ones appended (after "--").</summary>
    private static string WithFreePorts(string line, out int apiPort, out int sitePort)
    {
        var invoke = line.Contains(" -- invoke ", StringComparison.Ordinal);
        var names = invoke ? new[] { "--dynamodb-port", "--ses-port" } : ["--port", "--site-port", "--dynamodb-port", "--ses-port"];
        var result = line.Contains(" -- ", StringComparison.Ordinal) ? line : line + " --";
        (apiPort, sitePort) = (0, 0);
        foreach (var name in names)
        {
            var port = Ports.FreePort();
            apiPort = name == "--port" ? port : apiPort;
            sitePort = name == "--site-port" ? port : sitePort;
            var existing = new Regex($@"{Regex.Escape(name)} \d+");
            result = existing.IsMatch(result)
                ? existing.Replace(result, $"{name} {port.ToString(CultureInfo.InvariantCulture)}")
                : $"{result} {name} {port.ToString(CultureInfo.InvariantCulture)}";
        }

        return result;
    }

    [GeneratedRegex(@"```(?:sh|bash|shell)?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"^(?:[A-Z_]+=\S+ )*dotnet run (?:--no-build )?--project src/OtpService\.Local")]
    private static partial Regex RunnerLine();
}

/// <summary>Tests that run <c>dotnet run</c> (a build of the runner) one at a time, never beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DotnetRunGroup
{
    public const string Name = "dotnet run";
}

/// <summary>A theory that needs moto's server; skipped, with the reason, where moto is missing.</summary>
public sealed class MotoTheoryAttribute : TheoryAttribute
{
    public MotoTheoryAttribute()
    {
        if (Integration.MotoServer.WhyUnavailable is { } why)
        {
            Skip = why;
        }
    }
}
