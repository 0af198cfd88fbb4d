using Xunit;

namespace OtpService.Tests.Site;

/// <summary>
/// Debian's chromium, which the browser tests drive through Playwright (Playwright's own browser
/// download cannot be reached here). <c>.ci/run</c> installs it (<c>apt-get install chromium</c>);
/// <c>CHROMIUM_PATH</c> names another build.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>
    /// The flags this machine needs (machine notes: root needs --no-sandbox; without the
    /// background-networking flags chromium's own calls home are refused by the closed network).
    /// </summary>
    public static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>The executable, or null when none is installed.</summary>
    public static string? ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured
            ? configured
            : Candidates.FirstOrDefault(File.Exists);

    /// <summary>Why the browser tests cannot run here, or null. In CI a missing browser is a failure, not a skip.</summary>
    public static string? SkipReason =>
        ExecutablePath is null && !IsCi
            ? "chromium is not installed: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it"
            : null;

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A test that needs chromium: skipped with the reason where it is missing (never in CI, where it must run).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        Skip = Chromium.SkipReason;
    }
}

/// <summary>A theory that needs chromium, skipped as <see cref="ChromiumFactAttribute"/>.</summary>
public sealed class ChromiumTheoryAttribute : TheoryAttribute
{
    public ChromiumTheoryAttribute()
    {
        Skip = Chromium.SkipReason;
    }
}
