using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>Generate's <c>locale</c> field and <c>Accept-Language</c> header, through the handler to the stored code and the mail.</summary>
public class GenerateLocaleTests
{
    private const string Address = "user@example.com";
    private readonly StringWriter _logs = new();

    private static RuleHarness Harness(string defaultLocale = "en") => new(new OtpSettings { DefaultLocale = defaultLocale });

    private async Task<ApiResult> Generate(RuleHarness h, ApiEvent e) =>
        await ApiResult.ReadAsync(new GenerateOtp.Function(h.Issuer, h.Settings, new InvocationLog(_logs, "GenerateOtp", TimeProvider.System)).FunctionHandler(e.ToStream()));

    /// <summary>What the stream's mailer writes for the address's newest code.</summary>
    private static async Task<OutgoingEmail> Mailed(RuleHarness h)
    {
        var code = h.Store.Codes(Address)[0];
        Assert.Equal(MailOutcome.Sent, (await h.Mailer.MailAsync(Address, code.ExpiresAt, default)).Outcome);
        return h.Mail.Sent.Last();
    }

    public static TheoryData<string, ApiEvent, string> Requests() => new()
    {
        { "query", ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("locale", "ja"), "ja" },
        { "JSON", ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{Address}}","locale":"ar-EG"}"""), "ar" },
        { "form", ApiEvent.Post("/otp/generate").Body($"email_address={Uri.EscapeDataString(Address)}&locale=pt-PT", "application/x-www-form-urlencoded"), "pt-BR" },
        { "field over header", ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("locale", "ko").Header("Accept-Language", "de"), "ko" },
        { "header", ApiEvent.Get("/otp/generate").Query("email_address", Address).Header("Accept-Language", "sw, he;q=0.8, en;q=0.5"), "he" },
        { "header, lower-case name", ApiEvent.Get("/otp/generate").Query("email_address", Address).Header("accept-language", "zh-CN,zh;q=0.9"), "zh-Hans" },
        { "unsupported field, default", ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("locale", "sw").Header("Accept-Language", "de"), "fr" },
        { "empty field is no choice", ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("locale", "").Header("Accept-Language", "it"), "it" },
        { "neither, default", ApiEvent.Get("/otp/generate").Query("email_address", Address), "fr" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task TheChosenLocale_IsStoredWithTheCode_AndTheMailIsWrittenInIt(string because, ApiEvent request, string expected)
    {
        var h = Harness(defaultLocale: "fr");

        var result = await Generate(h, request);

        Assert.True(202 == result.StatusCode, because);
        Assert.Equal(expected, h.Store.Codes(Address)[0].Locale);
        var mail = await Mailed(h);
        Assert.Equal(MailTexts.For(expected, h.Settings.AppName, 120).Subject, mail.Subject);
    }

    [Fact]
    public async Task TheStoredLocale_ReachesTheMailer_WhateverTheDefault()
    {
        var h = Harness(defaultLocale: "de");
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, "ja", default);

        var mail = await Mailed(h);

        Assert.Equal("ワンタイムパスワード（有効期間はわずか2 分）", mail.Subject);
        Assert.Contains("このコードの有効期間は2 分です。", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACodeStoredWithoutALocale_IsMailedInTheDeploymentsDefault()
    {
        var h = Harness(defaultLocale: "de");
        await h.Issuer.IssueAsync(Address, RuleHarness.Client, default);

        var mail = await Mailed(h);

        Assert.Null(h.Store.Codes(Address)[0].Locale);
        Assert.Equal("Ihr Einmalcode (nur 2 Minuten gültig)!", mail.Subject);
    }

    public static TheoryData<string, ApiEvent> MalformedLocales()
    {
        var data = new TheoryData<string, ApiEvent>();
        foreach (var (because, value) in new[] { ("underscore", "en_US"), ("a word", "english please"), ("too long", "en-" + new string('a', 70)), ("non-ASCII", "日本語"), ("a range", "*") })
        {
            data.Add("query, " + because, ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("locale", value));
            data.Add("JSON, " + because, ApiEvent.Post("/otp/generate").Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["email_address"] = Address, ["locale"] = value })));
            data.Add("form, " + because, ApiEvent.Post("/otp/generate").Body($"email_address={Uri.EscapeDataString(Address)}&locale={Uri.EscapeDataString(value)}", "application/x-www-form-urlencoded"));
        }

        data.Add("JSON number", ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{Address}}","locale":7}"""));
        data.Add("JSON array", ApiEvent.Post("/otp/generate").Json($$"""{"email_address":"{{Address}}","locale":["ja"]}"""));
        data.Add("given twice", ApiEvent.Get("/otp/generate").Query("email_address", Address).Query("locale", "ja").Query("locale", "ko"));
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedLocales))]
    public async Task AMalformedLocale_Answers400NamingTheField_AndIssuesNothing(string because, ApiEvent request)
    {
        var h = Harness();

        var result = await Generate(h, request);

        Assert.True(400 == result.StatusCode, because);
        Assert.Equal("invalid_request", result.Status);
        Assert.Equal("locale", result.Body.GetProperty("field").GetString());
        Assert.StartsWith("locale ", result.Message, StringComparison.Ordinal);
        Assert.Empty(h.Store.Codes(Address));
    }

    [Fact]
    public async Task AMalformedAcceptLanguage_IsNoReasonToRefuse_TheDefaultIsUsed()
    {
        var h = Harness(defaultLocale: "nl");

        var result = await Generate(h, ApiEvent.Get("/otp/generate").Query("email_address", Address).Header("Accept-Language", "en_US;;q=abc, ???"));

        Assert.Equal(202, result.StatusCode);
        Assert.Equal("nl", h.Store.Codes(Address)[0].Locale);
    }
}
