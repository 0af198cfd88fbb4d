using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>Every language of the mail: filled in, in its direction, with the library's plural forms.</summary>
public class MailTextsTests
{
    public static TheoryData<string> Locales() => [.. MailTexts.Supported];

    [Fact]
    public void TheIssuesLanguages_AreAllWritten() =>
        Assert.Equal(
            ["en", "es", "fr", "de", "pt-BR", "it", "nl", "pl", "tr", "ja", "ko", "zh-Hans", "ar", "he", "hi"],
            MailTexts.Supported);

    [Theory]
    [MemberData(nameof(Locales))]
    public void EveryLocale_RendersSubjectHtmlAndText_WithTheCodeAndTheLifetime_AndNoPlaceholderLeft(string locale)
    {
        foreach (var seconds in new long[] { 60, 120, 300, 90 })
        {
            var words = MailTexts.For(locale, "Acme Shop", seconds);
            var mail = OtpEmail.Compose("no-reply@example.com", "user@example.com", "048213", seconds, new OtpSettings { AppName = "Acme Shop" }, locale);

            Assert.Equal(locale, words.Locale);
            Assert.Contains(words.Lifetime, mail.Subject, StringComparison.Ordinal);
            Assert.Contains(words.Lifetime, words.Validity, StringComparison.Ordinal);
            Assert.Contains("Acme Shop", words.Intro, StringComparison.Ordinal);
            foreach (var part in new[] { mail.HtmlBody, mail.TextBody })
            {
                Assert.Contains("048213", part, StringComparison.Ordinal);
                Assert.Contains(words.Lifetime, part, StringComparison.Ordinal);
                Assert.Contains("Acme Shop", part, StringComparison.Ordinal);
            }

            // The layout's own CSS has braces: look for placeholders outside its <style> block.
            var htmlOutsideStyle = System.Text.RegularExpressions.Regex.Replace(mail.HtmlBody, "<style>.*?</style>", "", System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.Contains("048213", htmlOutsideStyle, StringComparison.Ordinal);
            foreach (var text in new[] { mail.Subject, htmlOutsideStyle, mail.TextBody, words.Intro, words.Validity })
            {
                Assert.DoesNotContain("{", text, StringComparison.Ordinal);
                Assert.DoesNotContain("}", text, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Locales))]
    public void EveryLocaleButEnglish_IsTranslated(string locale)
    {
        var english = MailTexts.For("en", "Acme", 120);
        var words = MailTexts.For(locale, "Acme", 120);

        Assert.Equal(locale == "en", words.Subject == english.Subject);
        Assert.Equal(locale == "en", words.Intro == english.Intro);
        Assert.Equal(locale == "en", words.Validity == english.Validity);
        Assert.Equal(locale == "en", words.Lifetime == english.Lifetime);
    }

    [Theory]
    [InlineData("ar", true)]
    [InlineData("he", true)]
    [InlineData("en", false)]
    [InlineData("ja", false)]
    [InlineData("hi", false)]
    [InlineData("es", false)]
    [InlineData("fr", false)]
    [InlineData("de", false)]
    [InlineData("pt-BR", false)]
    [InlineData("it", false)]
    [InlineData("nl", false)]
    [InlineData("pl", false)]
    [InlineData("tr", false)]
    [InlineData("ko", false)]
    [InlineData("zh-Hans", false)]
    public void RightToLeft_ForArabicAndHebrew(string locale, bool expected)
    {
        Assert.Equal(expected, MailTexts.For(locale, "Acme", 120).RightToLeft);
        Assert.Equal(expected, MailTexts.IsRightToLeft(locale));
    }

    [Fact]
    public void English_IsTheSeedsWords()
    {
        var words = MailTexts.For("en-US", "Simple Website", 120);

        Assert.Equal("Your OTP (valid for only 2 mins)!", words.Subject);
        Assert.Equal("Use this code to verify your login at Simple Website", words.Intro);
    }

    /// <summary>The forms come from Humanizer's resources: one, two (Arabic's and Hebrew's dual), few (Polish's paucal), many.</summary>
    [Theory]
    [InlineData("pl", 60, "1 minuta")]
    [InlineData("pl", 120, "2 minuty")]
    [InlineData("pl", 240, "4 minuty")]
    [InlineData("pl", 300, "5 minut")]
    [InlineData("pl", 720, "12 minut")]
    [InlineData("pl", 1500, "25 minut")]
    [InlineData("pl", 30, "30 sekund")]
    [InlineData("ar", 60, "دقيقة واحدة")]
    [InlineData("ar", 120, "دقيقتين")]
    [InlineData("ar", 180, "3 دقائق")]
    [InlineData("ar", 300, "5 دقائق")]
    [InlineData("ar", 90, "90 ثانية")]
    [InlineData("ar", 660, "11 دقيقة")]
    [InlineData("he", 60, "דקה")]
    [InlineData("he", 120, "שתי דקות")]
    [InlineData("he", 300, "5 דקות")]
    [InlineData("de", 60, "1 Minute")]
    [InlineData("de", 120, "2 Minuten")]
    [InlineData("fr", 60, "1 minute")]
    [InlineData("pt-BR", 120, "2 minutos")]
    [InlineData("es", 60, "1 minuto")]
    [InlineData("ja", 120, "2 分")]
    [InlineData("ko", 120, "2분")]
    [InlineData("zh-Hans", 120, "2分钟")]
    [InlineData("zh-Hans", 90, "90秒钟")]
    [InlineData("tr", 120, "2 dakika")]
    [InlineData("nl", 60, "1 minuut")]
    [InlineData("it", 120, "2 minuti")]
    [InlineData("hi", 60, "1 मिनट")]
    [InlineData("hi", 120, "2 मिनट")]
    [InlineData("hi", 300, "5 मिनट")]
    [InlineData("hi", 90, "90 सेकंड")]
    [InlineData("en", 60, "1 min")]
    [InlineData("en", 90, "90 seconds")]
    public void Lifetimes_TakeTheLanguagesPluralForm(string locale, long seconds, string expected) =>
        Assert.Equal(expected, MailTexts.For(locale, "Acme", seconds).Lifetime);

    /// <summary>
    /// Humanizer.Core.pl 3.0.10 takes only 2 to 4 as Polish's "few" form, so 22 to 24 (32 to 34, ...)
    /// minutes come out as "22 minut" where Polish says "22 minuty" (CLDR: few is i%10 in 2..4 and
    /// i%100 not in 12..14). Reported as Humanizr/Humanizer#1470 and fixed on its main branch by #1831,
    /// in no release served yet. This documents the gap (docs/configuration.md, "Languages"): when a
    /// Humanizer upgrade makes it fail, move these cases to the test above with the right form.
    /// </summary>
    [Theory]
    [InlineData(1320, "22 minut")]
    [InlineData(1440, "24 minut")]
    [InlineData(1920, "32 minut")]
    public void Polish_22To24Minutes_AreHumanizersKnownWrongForm(long seconds, string humanizers) =>
        Assert.Equal(humanizers, MailTexts.For("pl", "Acme", seconds).Lifetime);

    /// <summary>The lifetime in its sentence: the case the words around it need (Arabic's genitive dual after لمدة).</summary>
    [Theory]
    [InlineData("ar", 60, "الرمز صالح لمدة دقيقة واحدة.")]
    [InlineData("ar", 120, "الرمز صالح لمدة دقيقتين.")]
    [InlineData("ar", 180, "الرمز صالح لمدة 3 دقائق.")]
    [InlineData("ar", 660, "الرمز صالح لمدة 11 دقيقة.")]
    [InlineData("pl", 60, "Czas ważności kodu to 1 minuta.")]
    [InlineData("pl", 120, "Czas ważności kodu to 2 minuty.")]
    [InlineData("hi", 60, "यह कोड 1 मिनट के लिए मान्य है।")]
    [InlineData("hi", 300, "यह कोड 5 मिनट के लिए मान्य है।")]
    [InlineData("zh-Hans", 120, "验证码有效期为2分钟。")]
    [InlineData("he", 120, "הקוד תקף למשך שתי דקות.")]
    public void TheLifetime_ReadsRightInItsSentence(string locale, long seconds, string sentence) =>
        Assert.StartsWith(sentence, MailTexts.For(locale, "Acme", seconds).Validity, StringComparison.Ordinal);

    [Fact]
    public void Chinese_SaysMinutesWithTheDurationWord_InTheSubjectToo() =>
        Assert.Equal("您的一次性验证码（仅2分钟内有效）！", MailTexts.For("zh-Hans", "Acme", 120).Subject);

    [Theory]
    [InlineData("pt-PT", "pt-BR")]
    [InlineData("zh-TW", "en")]
    [InlineData("sw", "en")]
    [InlineData("not a tag", "en")]
    [InlineData(null, "en")]
    public void For_FallsBackByLanguage_ThenToEnglish_NeverAnError(string? locale, string expected) =>
        Assert.Equal(expected, MailTexts.For(locale, "Acme", 120).Locale);
    [Theory]
    [InlineData("fr", 45, "45 secondes")]
    [InlineData("de", 45, "45 Sekunden")]
    [InlineData("en", 45, "45 seconds")]
    public void TheLifetime_IsInTheReadersLanguage_AlsoInSeconds(string locale, long seconds, string lifetime)
    {
        // "2 minutes" reads the same in English and French; seconds tell the cultures apart.
        Assert.Equal(lifetime, MailTexts.For(locale, "App", seconds).Lifetime);
    }
}
