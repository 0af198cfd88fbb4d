using OtpService.Tests.Docs;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using OtpService.Tests.OpenApi;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using OtpService.Tests.Support;

namespace OtpService.Tests.Site;

/// <summary>
/// The sign-in page (site/) in Debian's chromium against the local runner: the page on its own
/// origin, the API on another, so every call is a real cross-origin request with a preflight;
/// codes are read from the runner's SES emulator as a person reads their mail.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class SignInPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [ChromiumFact]
    public async Task HappyPath_WithTheKeyboardOnly_SignsIn_AndEveryStepPassesAxe()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        // The one test that uses this address on this runner (the screenshots go in README).
        const string address = "you@example.com";
        await page.GotoAsync(tab.Runner.Site.ToString());
        await AssertNoAxeViolationsAsync(page, "address step");
        await ScreenshotAsync(page, "1-address");

        // Keyboard only: Tab reaches the address field first, Enter submits.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#email")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(address);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#step-code")).ToBeVisibleAsync();
        await Expect(page.Locator("#code")).ToBeFocusedAsync();
        await Expect(page.Locator("#code-hint")).ToContainTextAsync($"We sent a code to {address}. It is valid for 2 minutes.");
        await Expect(page.Locator("#resend")).ToHaveAttributeAsync("aria-disabled", "true");
        await AssertNoAxeViolationsAsync(page, "code step");
        await ScreenshotAsync(page, "2-code");

        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        await page.Keyboard.TypeAsync(code);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#step-done")).ToBeVisibleAsync();
        await Expect(page.Locator("#done-heading")).ToBeFocusedAsync();
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
        // The claims as the page validated them against the runner's JWKS (signature, iss, aud, exp).
        var api = tab.Runner.Api.GetLeftPart(UriPartial.Authority);
        await Expect(page.Locator("#token-note")).ToContainTextAsync("checked the token's ES256 signature");
        await Expect(page.Locator("#claims")).ToContainTextAsync($"iss{api}");
        await Expect(page.Locator("#claims")).ToContainTextAsync($"aud{api}");
        await Expect(page.Locator("#claims")).ToContainTextAsync("email_verifiedtrue");
        await Expect(page.Locator("#claims")).ToContainTextAsync("algES256");
        await AssertNoAxeViolationsAsync(page, "signed-in step");
        await ScreenshotAsync(page, "3-signed-in");
        Assert.Empty(tab.Problems);
    }

    [ChromiumFact]
    public async Task WrongCode_IsSaidInWords_OnTheCodeField_WithTheTriesLeft()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var address = await SendCodeAsync(tab);
        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);

        await page.FillAsync("#code", Wrong(code));
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#code-error")).ToHaveTextAsync("That code is not right. You have 4 tries left.");
        await Expect(page.Locator("#code")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#code")).ToBeFocusedAsync();
        await AssertNoAxeViolationsAsync(page, "wrong code");
        await ScreenshotAsync(page, "wrong-code");

        // The right code still works after a wrong one.
        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
    }

    [ChromiumFact]
    public async Task CodePastedWithSpaces_SignsIn()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        await tab.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority) });
        var address = await SendCodeAsync(tab);
        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        var spaced = $" {code[..3]} {code[3..]} ";

        // A real paste from the system clipboard (Ctrl+V), as a person copies the code from the mail.
        await page.EvaluateAsync("text => navigator.clipboard.writeText(text)", spaced);
        await page.FocusAsync("#code");
        await page.Keyboard.PressAsync("Control+V");

        await Expect(page.Locator("#code")).ToHaveValueAsync(code);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
    }

    [ChromiumFact]
    public async Task CodeTypedWithSpacesAndFullWidthDigits_SignsIn()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var address = await SendCodeAsync(tab);
        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        // As a Japanese keyboard types it (full-width digits), with a space between the groups.
        var typed = string.Concat(code[..3].Select(c => (char)(c - '0' + '０'))) + " " + code[3..];

        await page.FillAsync("#code", typed);
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
    }

    [ChromiumFact]
    public async Task CodeUsedInAnotherTab_IsSaidToBeUsed_AndOffersANewCode()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var address = await SendCodeAsync(tab);
        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        using (var http = new HttpClient())
        {
            using var used = await http.GetAsync(new Uri(tab.Runner.Api, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={code}"));
            Assert.Equal(200, (int)used.StatusCode);
        }

        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#alert")).ToHaveTextAsync("This code has already been used. Send a new code to sign in again.");
    }

    [ChromiumFact]
    public async Task ExpiredCode_IsSaidToBeExpired_AndANewCodeSignsIn()
    {
        await using var tab = await browser.NewPageAsync(browser.Fast);
        var page = tab.Page;
        var address = await SendCodeAsync(tab);
        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);

        // Past the code's lifetime (OTP_TTL_SECONDS=10 for this runner): a wait, not a timed assertion.
        await Task.Delay(TimeSpan.FromSeconds(BrowserFixture.FastTtlSeconds + 1));
        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#alert")).ToHaveTextAsync("This code has expired. Send a new code.");
        await Expect(page.Locator("#resend")).ToBeFocusedAsync();
        await ScreenshotAsync(page, "expired");

        await page.Keyboard.PressAsync("Enter");
        var mail = await tab.Runner.Mail.WaitForMailAsync(address, count: 2);
        await Expect(page.Locator("#status")).ToContainTextAsync("We sent a new code");
        var newest = CodePattern().Match(mail[^1].Text ?? "").Value;
        await page.FillAsync("#code", newest);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
    }

    [ChromiumFact]
    public async Task RateLimited_CountsDownFromRetryAfter_ThenSendsAgain()
    {
        await using var tab = await browser.NewPageAsync(browser.Fast);
        var page = tab.Page;
        var address = NewAddress();
        // Another tab or device asked for a code for this address a moment ago.
        using (var http = new HttpClient())
        {
            using var first = await http.GetAsync(new Uri(tab.Runner.Api, $"/otp/generate?email_address={Uri.EscapeDataString(address)}"));
            Assert.Equal(202, (int)first.StatusCode);
        }

        await page.GotoAsync(tab.Runner.Site.ToString());
        await page.FillAsync("#email", address);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#alert")).ToContainTextAsync("You can ask for a new code in");
        await Expect(page.Locator("#send")).ToHaveAttributeAsync("aria-disabled", "true");
        await Expect(page.Locator("#send")).ToHaveTextAsync(CountdownPattern("Send code"));
        await Expect(page.Locator("#send")).ToBeFocusedAsync();
        await ScreenshotAsync(page, "rate-limited");

        // Pressing it while it counts down sends nothing.
        var asked = CountRequests(page, ApiAnswersFixture.Generate);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Please wait until the countdown on the button ends.");
        Assert.Equal(0, asked());

        // When the countdown ends, the button works again and the code is sent.
        await Expect(page.Locator("#send")).ToHaveTextAsync("Send code", new() { Timeout = (float)Patience.Wait.TotalMilliseconds });
        await Expect(page.Locator("#send")).Not.ToHaveAttributeAsync("aria-disabled", "true");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#step-code")).ToBeVisibleAsync();
        Assert.Equal(1, asked());
        await tab.Runner.Mail.WaitForMailAsync(address, count: 2);
    }

    [ChromiumFact]
    public async Task ResendLink_WaitsOutTheCooldown_ThenTheNewestCodeSignsIn()
    {
        await using var tab = await browser.NewPageAsync(browser.Fast);
        var page = tab.Page;
        var address = await SendCodeAsync(tab);
        var first = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);

        await Expect(page.Locator("#resend")).ToHaveTextAsync(CountdownPattern("Send a new code"));
        var asked = CountRequests(page, ApiAnswersFixture.Generate);
        // Force: Playwright itself waits for an aria-disabled control to become usable; a person can click it any time.
        await page.ClickAsync("#resend", new() { Force = true });
        await Expect(page.Locator("#status")).ToHaveTextAsync("Please wait until the countdown on the link ends.");
        Assert.Equal(0, asked());

        await Expect(page.Locator("#resend")).ToHaveTextAsync("Send a new code", new() { Timeout = (float)Patience.Wait.TotalMilliseconds });
        await page.ClickAsync("#resend");
        Assert.Equal(1, asked());
        await Expect(page.Locator("#status")).ToContainTextAsync("We sent a new code");
        var mail = await tab.Runner.Mail.WaitForMailAsync(address, count: 2);
        var newest = CodePattern().Match(mail[^1].Text ?? "").Value;
        Assert.NotEqual(first, newest);

        await page.FillAsync("#code", newest);
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
    }

    [ChromiumFact]
    public async Task PageOnAnOriginTheApiDoesNotAllow_IsRefusedByTheBrowser()
    {
        // The same files from http://localhost:PORT, another origin than the allowed http://127.0.0.1:PORT:
        // the API's preflight answer names the allowed origin only, so chromium refuses the call.
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var other = new UriBuilder(tab.Runner.Site) { Host = "localhost" }.Uri;
        var address = NewAddress();
        await page.GotoAsync(other.ToString());
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send");

        await Expect(page.Locator("#alert")).ToHaveTextAsync("Could not reach the sign-in service. Check your connection and try again.");
        Assert.Contains(tab.Problems, p => p.Contains("CORS", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await tab.Runner.Mail.SentMailAsync(address));
    }

    [ChromiumFact]
    public async Task EveryDocumentedAnswer_IsShownInWords()
    {
        // Each answer example in docs/openapi.json, given to the page in place of the API's answer
        // (Playwright's request routing: 5xx and limits cannot be produced on demand from a real
        // runner here; the real ones are driven above and in OpenApiConformanceTests).
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var spec = OpenApiSpec.Load();
        var origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority);
        var shown = new List<string>();
        foreach (var (path, status, example, body) in DocumentedExamples(spec))
        {
            if (status < 400)
            {
                continue;
            }

            var headers = new Dictionary<string, string>
            {
                ["Access-Control-Allow-Origin"] = origin,
                ["Access-Control-Expose-Headers"] = "Retry-After",
                ["Content-Type"] = "application/json",
            };
            if (JsonDocument.Parse(body).RootElement.TryGetProperty("retryAfterSeconds", out var retry))
            {
                headers["Retry-After"] = retry.GetRawText();
            }

            await page.UnrouteAllAsync();
            await page.RouteAsync($"{tab.Runner.Api.GetLeftPart(UriPartial.Authority)}{path}", route => route.Request.Method == "OPTIONS"
                ? route.FulfillAsync(new() { Status = 200, Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = origin, ["Access-Control-Allow-Headers"] = "Content-Type", ["Access-Control-Allow-Methods"] = "POST" } })
                : route.FulfillAsync(new() { Status = status, Headers = headers, Body = body }));
            await page.GotoAsync(tab.Runner.Site.ToString());
            await page.FillAsync("#email", "words@example.com");
            if (path == ApiAnswersFixture.Verify)
            {
                await page.EvaluateAsync("() => document.getElementById('step-code').hidden = false");
                await page.EvaluateAsync("() => document.getElementById('step-address').hidden = true");
                await page.FillAsync("#code", "123456");
                await page.ClickAsync("#verify");
            }
            else
            {
                await page.ClickAsync("#send");
            }

            var message = page.Locator("#alert:not([hidden]), .field-error:not([hidden])").First;
            try
            {
                await Expect(message).ToBeVisibleAsync();
            }
            catch (PlaywrightException e)
            {
                throw new InvalidOperationException($"{path} {status} {example}: no message shown; page problems: {string.Join("; ", tab.Problems)}", e);
            }

            var text = await message.InnerTextAsync();
            shown.Add($"{path} {status} {example}: {text}");
            Assert.DoesNotMatch(@"unexpected answer|undefined|null|NaN|\b[a-z]+_[a-z_]+\b", text);
        }

        output.WriteLine(string.Join(Environment.NewLine, shown));
        Assert.True(shown.Count >= 12, $"only {shown.Count} documented answers were shown");
    }

    [ChromiumFact]
    public async Task VerificationIdFromGenerate_IsSentWithVerify()
    {
        // generate's 202 carries verificationId once codes are bound to their request (DESIGN.md);
        // the answers are given to the page by routing, and what it posts to verify is read back.
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority);
        var api = tab.Runner.Api.GetLeftPart(UriPartial.Authority);
        var cors = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = origin, ["Access-Control-Allow-Headers"] = "Content-Type", ["Content-Type"] = "application/json" };
        string? posted = null;
        await page.RouteAsync($"{api}{ApiAnswersFixture.Generate}", route => route.FulfillAsync(new()
        {
            Status = route.Request.Method == "OPTIONS" ? 200 : 202,
            Headers = cors,
            Body = """{"status":"sent","message":"A verification code is sent to the email address you provided.","expiresInSeconds":120,"verificationId":"vid-123"}""",
        }));
        await page.RouteAsync($"{api}{ApiAnswersFixture.Verify}", route =>
        {
            if (route.Request.Method == "POST")
            {
                posted = route.Request.PostData;
            }

            return route.FulfillAsync(new() { Status = route.Request.Method == "OPTIONS" ? 200 : 404, Headers = cors, Body = """{"status":"not_found","message":"No such OTP was shared"}""" });
        });

        await page.GotoAsync(tab.Runner.Site.ToString());
        await page.FillAsync("#email", "bound@example.com");
        await page.ClickAsync("#send");
        await page.FillAsync("#code", "123456");
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#alert")).ToHaveTextAsync("There is no code waiting for this address. Send a new code.");
        using var body = JsonDocument.Parse(posted ?? "{}");
        Assert.Equal("vid-123", body.RootElement.GetProperty("verification_id").GetString());
        Assert.Equal("bound@example.com", body.RootElement.GetProperty("email_address").GetString());
    }

    /// <summary>The page follows the browser's language, sends it as generate's locale, and the mail comes in it.</summary>
    [ChromiumFact]
    public async Task InAJapaneseBrowser_ThePageSpeaksJapanese_AndTheMailArrivesInJapanese()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard, new() { ViewportSize = new() { Width = 600, Height = 640 }, Locale = "ja-JP" });
        var page = tab.Page;
        var address = NewAddress();
        await page.GotoAsync(tab.Runner.Site.ToString());

        Assert.Equal("ja", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("ltr", await page.GetAttributeAsync("html", "dir"));
        await Expect(page.Locator("#send")).ToHaveTextAsync("コードを送信");
        await Expect(page.Locator("#title")).ToHaveTextAsync("Simple Website にサインイン");
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send");

        await Expect(page.Locator("#code-hint")).ToHaveTextAsync($"{address} にコードを送信しました。有効期間は2 分です。");
        var mail = (await tab.Runner.Mail.WaitForMailAsync(address))[^1];
        Assert.Equal("ワンタイムパスワード（有効期間はわずか2 分）", mail.Subject);
        var code = await ApiAnswersFixture.MailedCodeAsync(tab.Runner.Mail, address);
        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#done-heading")).ToHaveTextAsync("サインインしました");
        Assert.Empty(tab.Problems);
    }

    [ChromiumTheory]
    [InlineData("ar-EG", "ar", "إرسال الرمز")]
    [InlineData("he-IL", "he", "שליחת קוד")]
    [InlineData("pt-PT", "pt-BR", "Enviar código")]
    [InlineData("zh-TW", "en", "Send code")]
    public async Task TheBrowsersLanguage_SetsLangAndDirection_AndPassesAxe(string browserLocale, string lang, string sendLabel)
    {
        await using var tab = await browser.NewPageAsync(browser.Standard, new() { ViewportSize = new() { Width = 600, Height = 640 }, Locale = browserLocale });
        var page = tab.Page;
        await page.GotoAsync(tab.Runner.Site.ToString());

        Assert.Equal(lang, await page.GetAttributeAsync("html", "lang"));
        Assert.Equal(lang is "ar" or "he" ? "rtl" : "ltr", await page.GetAttributeAsync("html", "dir"));
        await Expect(page.Locator("#send")).ToHaveTextAsync(sendLabel);
        await AssertNoAxeViolationsAsync(page, $"address step, {browserLocale}");
        await ScreenshotAsync(page, $"address-{lang}");
        Assert.Empty(tab.Problems);
    }

    [ChromiumFact]
    public async Task OnAPhone_ThePageFitsTheScreen_AndPassesAxe()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard, new()
        {
            ViewportSize = new() { Width = 360, Height = 740 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
        });
        var page = tab.Page;
        var address = NewAddress();
        await page.GotoAsync(tab.Runner.Site.ToString());
        await page.TapAsync("#email");
        await page.FillAsync("#email", address);
        await page.TapAsync("#send");
        await Expect(page.Locator("#step-code")).ToBeVisibleAsync();

        // A long address must wrap: nothing may be wider than the phone's 360 px.
        var width = await page.EvaluateAsync<int>("() => Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll('body *')].map(e => Math.ceil(e.getBoundingClientRect().right)))");
        Assert.True(width <= 360, $"the page is {width} px wide on a 360 px screen");
        // Under 16 px, phones zoom into a focused field.
        var fontSize = await page.EvaluateAsync<double>("() => parseFloat(getComputedStyle(document.getElementById('code')).fontSize)");
        Assert.True(fontSize >= 16, $"the code field's font is {fontSize} px");
        Assert.Equal("numeric", await page.GetAttributeAsync("#code", "inputmode"));
        Assert.Equal("one-time-code", await page.GetAttributeAsync("#code", "autocomplete"));
        await AssertNoAxeViolationsAsync(page, "phone, code step");
        await ScreenshotAsync(page, "phone-code");
    }

    [ChromiumFact]
    public async Task TokenCheck_AcceptsTheServicesToken_AndRefusesATamperedWrongAudienceExpiredOrUnknownKeyToken()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var token = await RealTokenAsync(tab.Runner);
        var api = tab.Runner.Api.GetLeftPart(UriPartial.Authority);
        await page.GotoAsync(tab.Runner.Site.ToString());
        const string check = """
            async ([token, options]) => {
              const { verifyToken } = await import('./token.js');
              try { return 'valid ' + (await verifyToken(token, options)).claims.email; } catch (e) { return e.name + ': ' + e.message; }
            }
            """;
        var jwksUrl = $"{api}/.well-known/jwks.json";
        var parts = token.Split('.');
        var payload = JsonDocument.Parse(Base64UrlDecode(parts[1])).RootElement;
        var exp = payload.GetProperty("exp").GetInt64();
        var otherPayload = Base64UrlEncode(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("\"email_verified\":true", "\"email_verified\":false", StringComparison.Ordinal)));
        var noneHeader = Base64UrlEncode("""{"alg":"none","kid":"x"}"""u8.ToArray());

        async Task<string> Check(string candidate, object options) => await page.EvaluateAsync<string>(check, new object[] { candidate, options });

        Assert.StartsWith("valid ", await Check(token, new { jwksUrl, issuer = api, audience = api }));
        Assert.Contains("signature", await Check($"{parts[0]}.{otherPayload}.{parts[2]}", new { jwksUrl, issuer = api, audience = api }));
        Assert.Contains("meant for", await Check(token, new { jwksUrl, issuer = api, audience = "https://other.example" }));
        Assert.Contains("issued by", await Check(token, new { jwksUrl, issuer = "https://other.example", audience = api }));
        Assert.Contains("expired", await Check(token, new { jwksUrl, issuer = api, audience = api, now = exp + 61 }));
        Assert.Contains("not ES256", await Check($"{noneHeader}.{parts[1]}.{parts[2]}", new { jwksUrl, issuer = api, audience = api }));
        Assert.Contains("no P-256 signing key", await Check(token, new { jwks = new { keys = Array.Empty<object>() }, issuer = api, audience = api }));
    }

    [ChromiumFact]
    public async Task ATokenThatDoesNotCheckOut_IsNotSignedIn()
    {
        // The service's real token with one claim changed, given to the page in place of verify's
        // answer (routing: a real service cannot be made to sign wrongly).
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var parts = (await RealTokenAsync(tab.Runner)).Split('.');
        var forged = Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("@example.com", "@attacker.example", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncode(Encoding.UTF8.GetBytes(forged))}.{parts[2]}";
        var address = await SendCodeAsync(tab);
        var origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority);
        await page.RouteAsync($"{tab.Runner.Api.GetLeftPart(UriPartial.Authority)}{ApiAnswersFixture.Verify}", route => route.FulfillAsync(new()
        {
            Status = 200,
            Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = origin, ["Content-Type"] = "application/json" },
            Body = $$"""{"status":"verified","message":"Verified","token":"{{tampered}}"}""",
        }));

        await page.FillAsync("#code", "123456");
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#alert")).ToContainTextAsync("You are not signed in.");
        await Expect(page.Locator("#step-done")).ToBeHiddenAsync();
        Assert.NotEmpty(address);
    }

    [ChromiumFact]
    public async Task CodeNormalisation_AcceptsWhatPeoplePaste_AndRefusesTheRest()
    {
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        await page.GotoAsync(tab.Runner.Site.ToString());
        var cases = new (string Input, string? Expected)[]
        {
            ("123456", "123456"),
            ("123 456", "123456"),
            (" 123-456 ", "123456"),
            ("123\u00A0456", "123456"),          // no-break space, as mail clients copy it
            ("１２３４５６", "123456"),           // full-width (Japanese keyboards)
            ("١٢٣٤٥٦", "123456"),                // Arabic-Indic
            ("۱۲۳۴۵۶", "123456"),                // Extended Arabic-Indic (Persian)
            ("१२३४५६", "123456"),                // Devanagari
            ("𝟏𝟐𝟑𝟒𝟓𝟔", "123456"),                // mathematical bold digits
            ("123\u2013456", "123456"),          // en dash
            ("12a456", null),
            ("123.456", null),
            ("", ""),
        };
        foreach (var (input, expected) in cases)
        {
            var actual = await page.EvaluateAsync<string?>("async text => (await import('./lib.js')).normalizeCode(text)", input);
            Assert.True(expected == actual, $"normalizeCode({input}) = {actual ?? "null"}, expected {expected ?? "null"}");
        }
    }

    private static async Task<string> SendCodeAsync(BrowserPage tab)
    {
        var address = NewAddress();
        await tab.Page.GotoAsync(tab.Runner.Site.ToString());
        await tab.Page.FillAsync("#email", address);
        await tab.Page.ClickAsync("#send");
        await Expect(tab.Page.Locator("#step-code")).ToBeVisibleAsync();
        return address;
    }

    internal static IEnumerable<(string Path, int Status, string Example, string Body)> DocumentedExamples(OpenApiSpec spec)
    {
        foreach (var path in new[] { ApiAnswersFixture.Generate, ApiAnswersFixture.Verify })
        {
            foreach (var status in spec.Statuses(path, "POST"))
            {
                var pointer = $"/paths/{OpenApiSpec.Escape(path)}/post/responses/{status}";
                var (response, _) = spec.Resolve(spec.At(pointer)!.Value, pointer);
                var media = response.GetProperty("content").GetProperty("application/json");
                foreach (var example in media.TryGetProperty("examples", out var examples) ? examples.EnumerateObject() : [])
                {
                    yield return (path, status, example.Name, example.Value.GetProperty("value").GetRawText());
                }
            }
        }
    }

    private static async Task AssertNoAxeViolationsAsync(IPage page, string state)
    {
        var result = await page.RunAxe();
        var violations = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(violations.Count == 0, $"axe, {state}:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(browser.ScreenshotFolder, $"{name}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    /// <summary>A token the runner issued: a code asked for, read from the mail and verified over HTTP.</summary>
    private static async Task<string> RealTokenAsync(RunnerUnderTest runner)
    {
        var address = NewAddress();
        using var http = new HttpClient();
        using (var sent = await http.GetAsync(new Uri(runner.Api, $"/otp/generate?email_address={Uri.EscapeDataString(address)}")))
        {
            Assert.Equal(202, (int)sent.StatusCode);
        }

        var code = await ApiAnswersFixture.MailedCodeAsync(runner.Mail, address);
        using var verified = await http.GetAsync(new Uri(runner.Api, $"/otp/verify?email_address={Uri.EscapeDataString(address)}&otp={code}"));
        using var body = JsonDocument.Parse(await verified.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private static byte[] Base64UrlDecode(string text) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(text);

    private static string Base64UrlEncode(byte[] bytes) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(bytes);

    /// <summary>Counts the page's POSTs to <paramref name="path"/> from now on (preflights are not page requests).</summary>
    private static Func<int> CountRequests(IPage page, string path)
    {
        var count = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && new Uri(request.Url).AbsolutePath == path)
            {
                Interlocked.Increment(ref count);
            }
        };
        return () => Volatile.Read(ref count);
    }

    private static string NewAddress() => $"page-{Guid.NewGuid():N}@example.com";

    private static string Wrong(string code) => (code[0] == '9' ? '0' : (char)(code[0] + 1)) + code[1..];

    // m:ss under the fast runner's cooldown (BrowserFixture.FastCooldownSeconds), never 0:00.
    private static Regex CountdownPattern(string label) => new($@"^{Regex.Escape(label)} \(0:(?!00)[0-5][0-9]\)$");

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex CodePattern();
}
