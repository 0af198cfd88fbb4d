using System.Collections.Concurrent;
using Microsoft.Playwright;
using OtpService.Local.Emulators;
using OtpService.Tests.Integration;
using OtpService.Tests.Local;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Site;

/// <summary>One local runner process: its API, its sign-in page (own origin), its SES emulator.</summary>
public sealed class RunnerUnderTest : IAsyncDisposable
{
    private RunnerUnderTest(LocalRunnerProcess process, Uri api, Uri site, EmulatorEndpoints mail)
    {
        Process = process;
        Api = api;
        Site = site;
        Mail = mail;
    }

    public Uri Api { get; }

    public Uri Site { get; }

    public EmulatorEndpoints Mail { get; }

    internal LocalRunnerProcess Process { get; }

    internal static async Task<RunnerUnderTest> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var (runner, api, ses) = await LocalRunnerProcess.StartApiOnFreePortsAsync(environment);
        return new RunnerUnderTest(
            runner,
            new Uri($"http://127.0.0.1:{api}"),
            new Uri(runner.SiteOrigin + "/"),
            new EmulatorEndpoints(new Uri("http://127.0.0.1:1"), new Uri($"http://127.0.0.1:{ses}"), []));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>
/// Debian's chromium driven by Playwright for .NET (its node driver ships inside the NuGet package
/// and runs offline), and two runners: one with the default settings, one with a 30 s code
/// lifetime and a 20 s resend cooldown for the expiry and countdown tests. Screenshots go to
/// TestResults/site/ at the repository root.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    // Long enough that the steps a test takes inside them fit at load 40 (at 10 s and 5 s the countdown
    // ended before the test pressed the button it checks, and a resent code could expire before it was typed).
    public const int FastTtlSeconds = 30;
    public const int FastCooldownSeconds = 20;

    private IPlaywright? playwright;
    private IBrowser? browser;

    public RunnerUnderTest Standard { get; private set; } = null!;

    public RunnerUnderTest Fast { get; private set; } = null!;

    public string ScreenshotFolder { get; } = Path.Combine(RepositoryRoot.Find(), "TestResults", "site");

    public async Task InitializeAsync()
    {
        if (Chromium.SkipReason is not null)
        {
            return;
        }

        var executable = Chromium.ExecutablePath
            ?? throw new InvalidOperationException("chromium is not installed (CI must install it: apt-get install -y chromium), or set CHROMIUM_PATH.");
        Directory.CreateDirectory(ScreenshotFolder);
        // Each expectation waits on a real API round trip through the runner; on a loaded 2-core CI
        // machine Playwright's 5 s default ran out before the answer showed (a wrong answer still fails).
        Assertions.SetDefaultExpectTimeout((float)Patience.Wait.TotalMilliseconds);
        // Every test's "person" calls from this one machine (one client to the per-client limits):
        // those limits are raised so each test meets only the answer it is about.
        var oneMachine = new Dictionary<string, string>
        {
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = "10000",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = "1000",
            ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = "10000",
        };
        var standard = RunnerUnderTest.StartAsync(oneMachine);
        var fast = RunnerUnderTest.StartAsync(new Dictionary<string, string>(oneMachine)
        {
            ["OTP_TTL_SECONDS"] = FastTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OTP_RESEND_COOLDOWN_SECONDS"] = FastCooldownSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = Chromium.Arguments,
        });
        Standard = await standard;
        Fast = await fast;
    }

    /// <summary>A fresh browser context (no shared storage) and page; console errors and page errors are collected.</summary>
    public async Task<BrowserPage> NewPageAsync(RunnerUnderTest runner, BrowserNewContextOptions? options = null)
    {
        var context = await (browser ?? throw new InvalidOperationException("The browser did not start.")).NewContextAsync(options ?? new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 600, Height = 640 },
            // The page follows navigator.languages: the tests that read its English words say so.
            Locale = "en-US",
        });
        // Actions (goto, click, fill) wait as long as expectations do: Playwright's 30 s is not enough at load 40.
        context.SetDefaultTimeout((float)Patience.Wait.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Patience.Wait.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var problems = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            // Chromium logs every 4xx/5xx fetch as a console error; those answers are the tests' subject, not a fault of the page.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                problems.Enqueue($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Enqueue($"page error: {error}");
        return new BrowserPage(runner, context, page, problems);
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        foreach (var runner in new[] { Standard, Fast })
        {
            if (runner is not null)
            {
                await runner.DisposeAsync();
            }
        }
    }
}

/// <summary>A page in its own context, with the runner it talks to and what went wrong inside it.</summary>
public sealed class BrowserPage(RunnerUnderTest runner, IBrowserContext context, IPage page, ConcurrentQueue<string> problems) : IAsyncDisposable
{
    public RunnerUnderTest Runner { get; } = runner;

    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>Console errors and uncaught exceptions (a CSP violation, a script error) seen so far.</summary>
    public IReadOnlyCollection<string> Problems => problems;

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class BrowserTests : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
