using OtpService.Tests.Docs;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using OtpService.Tests.OpenApi;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OtpService.Tests.Site;

/// <summary>
/// Issue 21 on the sign-in page: every word it shows, the sentences about the API's answers
/// included, in the browser's language (the mail's 15), chosen by the answer's status and fields
/// and never by reading the API's English message; and the language sent as generate's locale.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class SignInPageLanguageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [ChromiumFact]
    public async Task EveryLanguage_HasEveryWord_WithEnglishsPlaceholders_AndNoneLeftUnfilled()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        await page.GotoAsync(tab.Runner.Site.ToString());

        var problems = await page.EvaluateAsync<string[]>("""
            async () => {
              const m = await import('./i18n.js');
              const problems = [];
              const text = (words) => typeof words === 'string' ? words : Object.values(words ?? {}).join(' ');
              const names = (words) => [...new Set([...text(words).matchAll(/\{(\w+)\}/g)].map((x) => x[1]))].sort().join(',');
              const sample = { address: 'a@example.com', duration: '2 D', count: 3, status: 418, message: 'M', length: 6, reason: 'R' };
              for (const language of m.LANGUAGES) {
                for (const key of m.ownKeys(language).filter((k) => !m.WORD_KEYS.includes(k))) {
                  problems.push(`${language} ${key}: not a key English has`);
                }
                for (const key of m.WORD_KEYS) {
                  const own = m.ownWords(language, key);
                  const english = m.ownWords('en', key);
                  if (own === undefined) {
                    problems.push(`${language} ${key}: missing`);
                    continue;
                  }
                  if (typeof own === 'object' && typeof own.other !== 'string') {
                    problems.push(`${language} ${key}: plural forms without "other"`);
                  }
                  if (language !== 'en' && JSON.stringify(own) === JSON.stringify(english)) {
                    problems.push(`${language} ${key}: still English`);
                  }
                  if (names(own) !== names(english)) {
                    problems.push(`${language} ${key}: placeholders {${names(own)}}, English has {${names(english)}}`);
                  }
                  for (const count of [0, 1, 2, 3, 5, 11, 22]) {
                    const filled = m.text(language, key, { ...sample, count });
                    if (!filled.trim() || /[{}]|\bundefined\b|\bnull\b|\bNaN\b/.test(filled)) {
                      problems.push(`${language} ${key}: "${filled}"`);
                    }
                  }
                }
              }
              for (const id of m.STATIC_IDS) {
                if (!document.getElementById(id)) {
                  problems.push(`index.html has no element #${id}`);
                }
              }
              return problems;
            }
            """);

        Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
    }

    [ChromiumFact]
    public async Task EveryAnswer_InEveryLanguage_IsThatLanguagesSentence_ChosenWithoutReadingTheApisMessage()
    {
        // Every documented answer (docs/openapi.json), API Gateway's bare answers, the page's own
        // network failures and each wrong-code and attempt-limit variant, told in each language by
        // lib.js's describeAnswer (the function the page calls). The same answer with its message
        // replaced must give the same sentence: the message (English) is never what decides it.
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        await page.GotoAsync(tab.Runner.Site.ToString());
        var answers = new JsonArray();
        foreach (var (path, status, example, body) in SignInPageTests.DocumentedExamples(OpenApiSpec.Load()))
        {
            if (status < 400)
            {
                continue;
            }

            var parsed = JsonNode.Parse(body)!.AsObject();
            var retry = parsed.TryGetPropertyValue("retryAfterSeconds", out var seconds) ? seconds!.GetValue<int>() : (int?)null;
            answers.Add(Answer($"{path} {status} {example}", path, status, parsed, retry));
        }

        foreach (var (status, message) in new[] { (429, "Too Many Requests"), (413, "Request Too Long"), (414, "Request URI too long"), (403, "Missing Authentication Token"), (502, "Internal server error"), (504, "Endpoint request timed out"), (500, "Internal server error"), (503, "Service Unavailable") })
        {
            answers.Add(Answer($"API Gateway's bare {status}", "generate", status, new JsonObject { ["message"] = message }, null));
        }

        foreach (var left in new int?[] { 0, 1, 4, null })
        {
            var body = new JsonObject { ["status"] = "wrong_code", ["message"] = "Wrong OTP" };
            if (left is not null)
            {
                body["attemptsRemaining"] = left;
            }

            answers.Add(Answer($"wrong code, {left?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} tries left", "verify", 401, body, null));
        }

        answers.Add(Answer("a 429 over an hour", "generate", 429, new JsonObject { ["status"] = "rate_limited", ["message"] = "Many codes were asked for from your network this hour." }, 7300));
        answers.Add(new JsonObject { ["name"] = "timeout", ["route"] = "generate", ["answer"] = new JsonObject { ["timeout"] = true } });
        answers.Add(new JsonObject { ["name"] = "network", ["route"] = "verify", ["answer"] = new JsonObject { ["network"] = true } });

        var said = await page.EvaluateAsync<JsonElement>("""
            async (json) => {
              const answers = JSON.parse(json);
              const { describeAnswer } = await import('./lib.js');
              const { LANGUAGES } = await import('./i18n.js');
              const script = { ja: /[\u3040-\u30ff]/, ko: /[\uac00-\ud7af]/, 'zh-Hans': /[\u4e00-\u9fff]/, ar: /[\u0600-\u06ff]/, he: /[\u0590-\u05ff]/, hi: /[\u0900-\u097f]/ };
              const problems = [];
              const lines = [];
              for (const { name, route, answer } of answers) {
                const english = describeAnswer(route, answer, 'en').text;
                const message = answer.body?.message;
                const renamed = answer.body ? { ...answer, body: { ...answer.body, message: 'words the page must not read' } } : answer;
                for (const language of LANGUAGES.filter((l) => l !== 'en')) {
                  const said = describeAnswer(route, answer, language).text;
                  lines.push(`${language} ${name}: ${said}`);
                  if (said === english) problems.push(`${language} ${name}: English: ${said}`);
                  if (/[{}]|\bundefined\b|\bnull\b|\bNaN\b/.test(said)) problems.push(`${language} ${name}: ${said}`);
                  if (typeof message === 'string' && message.length > 3 && said.includes(message)) problems.push(`${language} ${name}: quotes the API's message: ${said}`);
                  if (describeAnswer(route, renamed, language).text !== said) problems.push(`${language} ${name}: changes with the API's message`);
                  if (script[language] && !script[language].test(said)) problems.push(`${language} ${name}: not in the language's script: ${said}`);
                }
              }
              return { problems, lines };
            }
            """, answers.ToJsonString());

        output.WriteLine(string.Join(Environment.NewLine, said.GetProperty("lines").EnumerateArray().Select(l => l.GetString())));
        var problems = said.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(answers.Count >= 30, $"only {answers.Count} answers were told");
    }

    /// <summary>The page in Japanese against the runner: its answers, its own sentences and the mail, all Japanese.</summary>
    [ChromiumFact]
    public async Task InAJapaneseBrowser_TheAnswersAreJapanese_AndGenerateAsksForJapanese()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard, InLanguage("ja-JP"));
        var page = tab.Page;
        var posted = PostedBodies(page, ApiAnswersFixture.Generate);
        var address = $"ja-{Guid.NewGuid():N}@example.com";
        await page.GotoAsync(tab.Runner.Site.ToString());
        await Expect(page.Locator("#footer-keeps")).ToHaveTextAsync("このページは、閉じると何も保存しません。");
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send");
        await Expect(page.Locator("#step-code")).ToBeVisibleAsync();
        Assert.Equal("ja", JsonDocument.Parse(posted.Single()).RootElement.GetProperty("locale").GetString());

        // A second tab asks for the same address at once: the runner's real 429 (the cooldown), in Japanese.
        var other = await tab.Context.NewPageAsync();
        await other.GotoAsync(tab.Runner.Site.ToString());
        await other.FillAsync("#email", address);
        await other.ClickAsync("#send");
        await Expect(other.Locator("#alert")).ToContainTextAsync("まだ新しいコードを送信できません。");
        await Expect(other.Locator("#alert")).ToContainTextAsync("後に新しいコードをリクエストできます。");
        await other.CloseAsync();

        // "Send a new code" while it counts down: the page's own sentence.
        await page.ClickAsync("#resend", new() { Force = true });
        await Expect(page.Locator("#status")).ToHaveTextAsync("リンクのカウントダウンが終わるまでお待ちください。");

        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        await page.FillAsync("#code", Wrong(code));
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#code-error")).ToHaveTextAsync("コードが正しくありません。残りの試行回数：4 回。");

        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"{address} としてサインインしました");
        await Expect(page.Locator("#token-note")).ToContainTextAsync("ES256 署名");
        await page.ClickAsync("#sign-out");
        await Expect(page.Locator("#status")).ToHaveTextAsync("サインアウトしました。");
        Assert.Empty(tab.Problems);
    }

    /// <summary>The page in Arabic against the runner: right to left, its answers in Arabic, the mail in Arabic.</summary>
    [ChromiumFact]
    public async Task InAnArabicBrowser_ThePageIsRightToLeft_AndItsAnswersAreArabic()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard, InLanguage("ar-EG"));
        var page = tab.Page;
        var posted = PostedBodies(page, ApiAnswersFixture.Generate);
        var address = $"ar-{Guid.NewGuid():N}@example.com";
        await page.GotoAsync(tab.Runner.Site.ToString());
        Assert.Equal("rtl", await page.GetAttributeAsync("html", "dir"));
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send");

        await Expect(page.Locator("#code-hint")).ToContainTextAsync($"أرسلنا رمزًا إلى {address}.");
        await Expect(page.Locator("#code-hint")).ToContainTextAsync("مدة صلاحية الرمز: ");
        Assert.Equal("ar", JsonDocument.Parse(posted.Single()).RootElement.GetProperty("locale").GetString());
        var mail = (await tab.Runner.Mail.WaitForMailAsync(address))[^1];
        Assert.Equal("رمزك لمرة واحدة (صالح لمدة دقيقتين فقط)!", mail.Subject);

        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        await page.FillAsync("#code", Wrong(code));
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#code-error")).ToHaveTextAsync("هذا الرمز غير صحيح. المحاولات المتبقية: 4.");
        var result = await page.RunAxe();
        Assert.True(result.Violations.Length == 0, string.Join("; ", result.Violations.Select(v => $"{v.Id}: {v.Help}")));
        await page.ScreenshotAsync(new() { Path = Path.Combine(browser.ScreenshotFolder, "wrong-code-ar.png"), FullPage = true });

        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"تم تسجيل الدخول باسم {address}");
        Assert.Empty(tab.Problems);
    }

    /// <summary>
    /// Each browser language: the page's language goes out as generate's `locale`, its direction is
    /// set, and an answer (410 expired, given by routing) is said in it. The expected sentence is
    /// read from i18n.js; the other tests pin the words themselves.
    /// </summary>
    [ChromiumTheory]
    [InlineData("ja-JP", "ja")]
    [InlineData("ar-EG", "ar")]
    [InlineData("he-IL", "he")]
    [InlineData("hi-IN", "hi")]
    [InlineData("pl-PL", "pl")]
    [InlineData("pt-PT", "pt-BR")]
    [InlineData("zh-CN", "zh-Hans")]
    [InlineData("zh-TW", "en")]
    public async Task TheBrowsersLanguage_IsSentAsGeneratesLocale_AndTheAnswersAreInIt(string browserLocale, string language)
    {
        await using var tab = await browser.NewPageAsync(browser.Standard, InLanguage(browserLocale));
        var page = tab.Page;
        var origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority);
        var api = tab.Runner.Api.GetLeftPart(UriPartial.Authority);
        var cors = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = origin, ["Access-Control-Allow-Headers"] = "Content-Type", ["Content-Type"] = "application/json" };
        string? locale = null;
        await page.RouteAsync($"{api}{ApiAnswersFixture.Generate}", route =>
        {
            if (route.Request.Method == "POST")
            {
                locale = JsonDocument.Parse(route.Request.PostData ?? "{}").RootElement.GetProperty("locale").GetString();
            }

            return route.FulfillAsync(new() { Status = route.Request.Method == "OPTIONS" ? 200 : 202, Headers = cors, Body = """{"status":"sent","message":"A verification code is sent to the email address you provided.","expiresInSeconds":120}""" });
        });
        await page.RouteAsync($"{api}{ApiAnswersFixture.Verify}", route => route.FulfillAsync(new() { Status = route.Request.Method == "OPTIONS" ? 200 : 410, Headers = cors, Body = """{"status":"expired","message":"Time Over"}""" }));

        await page.GotoAsync(tab.Runner.Site.ToString());
        Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
        Assert.Equal(language is "ar" or "he" ? "rtl" : "ltr", await page.GetAttributeAsync("html", "dir"));
        await page.FillAsync("#email", "words@example.com");
        await page.ClickAsync("#send");
        await page.FillAsync("#code", "123456");
        await page.ClickAsync("#verify");

        var expired = await page.EvaluateAsync<string>("async (l) => (await import('./i18n.js')).text(l, 'expired')", language);
        await Expect(page.Locator("#alert")).ToHaveTextAsync(expired);
        Assert.Equal(language, locale);
        Assert.Equal(language == "en", expired == "This code has expired. Send a new code.");
        Assert.Empty(tab.Problems);
    }

    private static BrowserNewContextOptions InLanguage(string locale) => new() { ViewportSize = new() { Width = 600, Height = 640 }, Locale = locale };

    private static JsonObject Answer(string name, string route, int status, JsonObject body, int? retryAfter) => new()
    {
        ["name"] = name,
        ["route"] = route.Contains("verify", StringComparison.Ordinal) ? "verify" : "generate",
        ["answer"] = new JsonObject { ["httpStatus"] = status, ["body"] = body, ["retryAfter"] = retryAfter },
    };

    /// <summary>The bodies the page POSTs to <paramref name="path"/> from now on.</summary>
    private static List<string> PostedBodies(IPage page, string path)
    {
        var bodies = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && new Uri(request.Url).AbsolutePath == path)
            {
                lock (bodies)
                {
                    bodies.Add(request.PostData ?? "");
                }
            }
        };
        return bodies;
    }

    private static string Wrong(string code) => (code[0] == '9' ? '0' : (char)(code[0] + 1)) + code[1..];
}
