using OtpService.Tests.Docs;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OtpService.Local.Api;
using OtpService.Local.Template;
using OtpService.Tests.OpenApi;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OtpService.Tests.Site;

/// <summary>
/// Issue 19 in the browser: API Gateway's own answers reach the page (CORS on them) and are said
/// in the page's own words; a person who asks again in a second tab is not made to wait.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class SignInPageGatewayTests(BrowserFixture browser, ITestOutputHelper output)
{
    private const string TooLong = "What you entered is far too long. Check the email address and the code, then try again.";
    private const string Busy = "The sign-in service is busy right now. Please try again in a moment.";

    [ChromiumFact]
    public async Task TwoTabs_TheOtherTabsCode_ThenANewCodeInTheFirstTab_SignsIn_WithoutAWaitOfMinutes()
    {
        // The issue's path, as a new user takes it: tab A asks, tab B asks for the same address,
        // the code in the newest mail (B's) is typed into tab A, which says a newer code was asked
        // for and offers "Send a new code"; that third code for the address from one IP within the
        // hour used to be refused for about half an hour. Fast runner: a 5 s cooldown, so the page's
        // own countdowns are short; the waits below end as soon as the page shows its answer.
        await using var tab = await browser.NewPageAsync(browser.Fast);
        var tabA = tab.Page;
        var tabB = await tab.Context.NewPageAsync();
        var address = $"two-tabs-{Guid.NewGuid():N}@example.com";
        var mail = tab.Runner.Mail;

        await SendCodeFollowingThePageAsync(tabA, tab.Runner, address);
        await SendCodeFollowingThePageAsync(tabB, tab.Runner, address);
        var newest = await NewestCodeAsync(mail, address, count: 2);

        await tabA.BringToFrontAsync();
        await tabA.FillAsync("#code", newest);
        await tabA.ClickAsync("#verify");
        await Expect(tabA.Locator("#alert")).ToHaveTextAsync("A newer code was requested since this page asked for one. Send a new code.");
        await ResendFollowingThePageAsync(tabA);
        var third = await NewestCodeAsync(mail, address, count: 3);
        await tabA.FillAsync("#code", third);
        await tabA.ClickAsync("#verify");
        await Expect(tabA.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {address}");
        Assert.Empty(tab.Problems);
    }

    [ChromiumFact]
    public async Task ABodyOverTheGatewaysLimit_Is413FromTheRunner_AndThePageSaysSoInItsOwnWords()
    {
        // A paste of 11 MB into the address field, posted for real: the runner answers as API
        // Gateway does over its 10 MB quota, with the template's REQUEST_TOO_LARGE response (CORS
        // and all), so the page can read the 413 instead of seeing a network error.
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        await page.GotoAsync(tab.Runner.Site.ToString());
        var status = 0;
        page.Response += (_, response) =>
        {
            if (response.Request.Method == "POST")
            {
                status = response.Status;
            }
        };
        // The field is taken out of the layout first: laying out one line of 11 million characters
        // keeps chromium busy for minutes; the page reads the value all the same.
        await page.EvaluateAsync("n => { const email = document.getElementById('email'); email.style.display = 'none'; email.value = 'a'.repeat(n) + '@example.com'; }", ApiProxy.MaxBodyBytes + (1024 * 1024));
        await page.ClickAsync("#send");

        await Expect(page.Locator("#alert")).ToHaveTextAsync(TooLong, new() { Timeout = 60_000 });
        Assert.Equal(413, status);
    }

    [ChromiumFact]
    public async Task GatewayThrottling_Is429_AndThePageSaysSoInItsOwnWords()
    {
        // The local runner does not throttle (neither does `sam local start-api`): the stage's
        // throttling is given to the page by request routing, as the template's THROTTLED gateway
        // response renders it for this page's origin (the runner renders its own answers the same way).
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority);
        var throttled = Template(origin).Answer("THROTTLED", 429, "Too Many Requests");
        await RouteAsync(page, tab.Runner, ApiAnswersFixture.Generate, throttled, origin);
        await page.GotoAsync(tab.Runner.Site.ToString());
        await page.FillAsync("#email", "busy@example.com");
        await page.ClickAsync("#send");

        await Expect(page.Locator("#alert")).ToHaveTextAsync($"{Busy} You can try again in 1 second.");
        Assert.Empty(tab.Problems);
    }

    /// <summary>Each of API Gateway's own answers: type, status, its own message, and the page's sentence.</summary>
    private static readonly (string Type, int Status, string Message, string Sentence)[] GatewayAnswers =
    [
        ("THROTTLED", 429, "Too Many Requests", Busy),
        ("REQUEST_TOO_LARGE", 413, "Request Too Long", TooLong),
        ("DEFAULT_4XX", 414, "Request URI too long", TooLong),
        ("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", "The sign-in service refused this request. Please try again in a few minutes; if it keeps happening, tell the site's owner."),
        ("DEFAULT_5XX", 502, "Internal server error", "Something went wrong on our side. Please try again."),
        ("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", "The sign-in service took too long to answer. Please try again."),
    ];

    [ChromiumFact]
    public async Task EveryGatewayAnswer_InTheTemplatesShape_OrApiGatewaysOwn_IsShownInItsOwnSentence()
    {
        // Each of API Gateway's own answers, as the template shapes it and as a stack without the
        // gateway responses gives it ({"message": ...}, here with CORS so the page can read it),
        // given to the page in place of the API's answer: the sentence depends on the status only.
        await using var tab = await browser.NewPageAsync(browser.Standard);
        var page = tab.Page;
        var origin = tab.Runner.Site.GetLeftPart(UriPartial.Authority);
        var shaped = Template(origin);
        foreach (var (type, status, message, sentence) in GatewayAnswers)
        {
            foreach (var (shape, answer) in new[] { ("template", shaped.Answer(type, status, message)), ("untouched", GatewayResponses.Untouched.Answer(type, status, message)) })
            {
                await page.UnrouteAllAsync();
                await RouteAsync(page, tab.Runner, ApiAnswersFixture.Generate, answer, origin);
                await page.GotoAsync(tab.Runner.Site.ToString());
                await page.FillAsync("#email", "gateway@example.com");
                await page.ClickAsync("#send");

                var alert = page.Locator("#alert");
                await Expect(alert).ToBeVisibleAsync();
                var text = await alert.InnerTextAsync();
                output.WriteLine($"{type} {status} ({shape}): {text}");
                Assert.StartsWith(sentence, text, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>The template's gateway responses with the origin the runner gives its page.</summary>
    private static GatewayResponses Template(string origin) =>
        SamTemplate.Load(name => name == "OTP_CORS_ALLOWED_ORIGIN" ? origin : null).GatewayResponses();

    /// <summary>Answers the page's POSTs to <paramref name="path"/> with <paramref name="answer"/> (and its preflight as the API does).</summary>
    private static async Task RouteAsync(IPage page, RunnerUnderTest runner, string path, GatewayAnswer answer, string origin)
    {
        var headers = new Dictionary<string, string>(answer.Headers) { ["Content-Type"] = "application/json" };
        // API Gateway's untouched answers carry no CORS header; given one here, so the page can read the body at all.
        headers.TryAdd("Access-Control-Allow-Origin", origin);
        await page.RouteAsync($"{runner.Api.GetLeftPart(UriPartial.Authority)}{path}", route => route.Request.Method == "OPTIONS"
            ? route.FulfillAsync(new() { Status = 200, Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = origin, ["Access-Control-Allow-Headers"] = "Content-Type", ["Access-Control-Allow-Methods"] = "POST" } })
            : route.FulfillAsync(new() { Status = answer.StatusCode, Headers = headers, Body = answer.Body }));
    }

    /// <summary>Asks for a code for <paramref name="address"/> as a person would: when the page counts down, waits for it, then asks again.</summary>
    private static async Task SendCodeFollowingThePageAsync(IPage page, RunnerUnderTest runner, string address)
    {
        await page.GotoAsync(runner.Site.ToString());
        await page.FillAsync("#email", address);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await page.ClickAsync("#send");
            var answered = page.Locator("#step-code:not([hidden]), #alert:not([hidden])").First;
            await Expect(answered).ToBeVisibleAsync();
            if (await page.Locator("#step-code").IsVisibleAsync())
            {
                return;
            }

            // The other tab's code was sent moments ago: the page counts down the cooldown on its button.
            await Expect(page.Locator("#alert")).ToContainTextAsync("A code was just sent to this address.");
            await Expect(page.Locator("#send")).ToHaveTextAsync("Send code", new() { Timeout = (BrowserFixture.FastCooldownSeconds + 20) * 1000 });
        }

        throw new InvalidOperationException($"The page never got a code for {address}: {await page.Locator("#alert").InnerTextAsync()}");
    }

    /// <summary>
    /// Uses "Send a new code" as a person would: when the page counts down a cooldown (a code was
    /// just sent from the other tab), waits for it, then asks again. Any other refusal (a wait of
    /// minutes) fails the test.
    /// </summary>
    private static async Task ResendFollowingThePageAsync(IPage page)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await Expect(page.Locator("#resend")).ToHaveTextAsync("Send a new code", new() { Timeout = (BrowserFixture.FastCooldownSeconds + 20) * 1000 });
            await page.ClickAsync("#resend");
            var answered = page.Locator("#status:text-matches('We sent a new code'), #alert:not([hidden])").First;
            await Expect(answered).ToBeVisibleAsync();
            if (await page.Locator("#alert").IsHiddenAsync())
            {
                await Expect(page.Locator("#status")).ToContainTextAsync("We sent a new code");
                return;
            }

            await Expect(page.Locator("#alert")).ToContainTextAsync("A code was just sent to this address.");
        }

        throw new InvalidOperationException($"The page never sent a new code: {await page.Locator("#alert").InnerTextAsync()}");
    }

    private static async Task<string> NewestCodeAsync(Integration.EmulatorEndpoints mail, string address, int count)
    {
        var sent = await mail.WaitForMailAsync(address, count, TimeSpan.FromSeconds(30));
        return CodePattern().Match(sent[^1].Text ?? "").Value;
    }

    [GeneratedRegex(@"(?<!\d)\d{6,10}(?!\d)")]
    private static partial Regex CodePattern();
}
