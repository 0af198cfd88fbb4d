using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using OtpService.Core.Rules;
using OtpService.Local.Emulators;
using Xunit;
using Xunit.Abstractions;

namespace OtpService.Tests.Site;

/// <summary>
/// The built-in mail layout of every locale MailTexts offers, rendered by Debian's chromium in light
/// and dark preference: text contrast, lang/dir, the code's accessible name, size under Gmail's
/// clipping. Screenshots go to TestResults/mail/ at the repository root.
/// </summary>
public sealed class MailRenderingTests(ITestOutputHelper output)
{
    /// <summary>Gmail clips a message whose HTML is over 102 KB (Gmail Help, "Gmail clips messages over 102 KB").</summary>
    private const int GmailClipBytes = 102 * 1024;

    /// <summary>WCAG 2.x success criterion 1.4.3 (AA) for normal text.</summary>
    private const double MinimumContrast = 4.5;

    private const string Code = "482913";

    /// <summary>
    /// Computed text colour against the nearest painted background for every text node; the ratio is
    /// WCAG 2.x's: (L1 + 0.05) / (L2 + 0.05) of relative luminances.
    /// </summary>
    private const string ContrastScript = """
        () => {
          const parse = c => { const p = c.match(/rgba?\(([^)]+)\)/)[1].split(',').map(parseFloat); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          const lum = c => 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
          const background = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c.a > 0) return c; } return null; };
          const out = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const text = walker.currentNode.textContent.trim();
            if (!text) continue;
            const el = walker.currentNode.parentElement;
            const fg = parse(getComputedStyle(el).color), bg = background(el);
            if (!bg) { out.push({ text, ratio: 0, note: 'no painted background' }); continue; }
            const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
            out.push({ text: text.slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05), bodyLuminance: lum(parse(getComputedStyle(document.body).backgroundColor)) });
          }
          return out;
        }
        """;

    /// <summary>
    /// The locales MailTexts offers when the test runs: its public static list of tags (whatever it is
    /// named), or English alone while it has none.
    /// </summary>
    public static IReadOnlyList<string> Locales()
    {
        var members = typeof(MailTexts).GetMembers(BindingFlags.Public | BindingFlags.Static);
        foreach (var member in members)
        {
            var value = member switch
            {
                PropertyInfo p when typeof(IEnumerable<string>).IsAssignableFrom(p.PropertyType) => p.GetValue(null),
                FieldInfo f when typeof(IEnumerable<string>).IsAssignableFrom(f.FieldType) => f.GetValue(null),
                _ => null,
            };
            if (value is IEnumerable<string> tags && tags.Any())
            {
                return [.. tags];
            }
        }

        return ["en"];
    }

    [ChromiumFact]
    public async Task EveryLocale_ReadsWell_InLightAndDark()
    {
        var folder = Path.Combine(RepositoryRoot.Find(), "TestResults", "mail");
        Directory.CreateDirectory(folder);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            Args = Chromium.Arguments,
        });

        var locales = Locales();
        output.WriteLine($"locales: {string.Join(", ", locales)}");
        foreach (var locale in locales)
        {
            var words = MailTexts.For(locale, "Simple Website", 120);
            var mail = OtpEmail.Compose("no-reply@example.com", "reader@example.com", Code, 120, new OtpSettings(), locale, DateTimeOffset.UtcNow);
            var bytes = Encoding.UTF8.GetByteCount(mail.HtmlBody);
            Assert.True(bytes < GmailClipBytes, $"{locale}: {bytes} bytes of HTML, Gmail clips over {GmailClipBytes}");

            var bodyLuminance = new Dictionary<ColorScheme, double>();
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ColorScheme = scheme, ViewportSize = new() { Width = 600, Height = 700 } });
                var page = await context.NewPageAsync();
                // Nothing may be fetched: a request would be a tracking pixel or a remote font.
                var requests = new List<string>();
                page.Request += (_, request) => requests.Add(request.Url);
                await page.SetContentAsync(mail.HtmlBody);

                Assert.Equal(words.Locale, await page.EvaluateAsync<string>("document.documentElement.lang"));
                Assert.Equal(words.RightToLeft ? "rtl" : "ltr", await page.EvaluateAsync<string>("document.documentElement.dir"));
                Assert.Contains($"img \"{string.Join(' ', Code.ToCharArray())}\"", await page.Locator("body").AriaSnapshotAsync(), StringComparison.Ordinal);
                Assert.Contains(Code, await page.InnerTextAsync("body"), StringComparison.Ordinal);

                var texts = (await page.EvaluateAsync<JsonElement>(ContrastScript)).EnumerateArray().ToList();
                Assert.True(texts.Count >= 3, $"{locale} {scheme}: expected the intro, the code and the validity as text");
                foreach (var text in texts)
                {
                    var ratio = text.GetProperty("ratio").GetDouble();
                    Assert.True(ratio >= MinimumContrast, $"{locale} {scheme}: '{text.GetProperty("text").GetString()}' has contrast {ratio:0.00}, below {MinimumContrast}");
                }

                bodyLuminance[scheme] = texts[0].GetProperty("bodyLuminance").GetDouble();
                Assert.DoesNotContain(requests, u => !u.StartsWith("about:", StringComparison.Ordinal) && !u.StartsWith("data:", StringComparison.Ordinal));
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{locale}-{scheme.ToString().ToLowerInvariant()}.png"), FullPage = true });
            }

            // The dark preference really changes the colours (else the dark check above proved nothing).
            Assert.True(bodyLuminance[ColorScheme.Dark] < bodyLuminance[ColorScheme.Light] / 4, $"{locale}: the dark scheme is not dark");
        }
    }
}
