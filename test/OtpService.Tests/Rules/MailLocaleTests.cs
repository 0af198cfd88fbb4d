using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>Which language a request's mail gets: BCP 47 tags (RFC 5646), Accept-Language (RFC 9110 section 12.5.4), fallbacks.</summary>
public class MailLocaleTests
{
    [Theory]
    [InlineData("en")]
    [InlineData("EN")]
    [InlineData("pt-BR")]
    [InlineData("pt-br")]
    [InlineData("zh-Hans")]
    [InlineData("zh-Hans-CN")]
    [InlineData("zh-yue-HK")]
    [InlineData("sr-Latn-RS")]
    [InlineData("es-419")]
    [InlineData("de-CH-1901")]
    [InlineData("sl-rozaj-biske")]
    [InlineData("en-US-u-ca-gregory")]
    [InlineData("en-a-bbb-x-a-ccc")]
    [InlineData("x-whatever")]
    [InlineData("i-klingon")]
    [InlineData("en-GB-oed")]
    [InlineData("haw")]
    [InlineData("i-ami")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-bnn")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-default")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-enochian")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-hak")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-lux")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-mingo")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-navajo")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-pwn")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-tao")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-tay")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("i-tsu")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("sgn-BE-FR")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("sgn-BE-NL")] // RFC 5646 section 2.1, irregular grandfathered
    [InlineData("sgn-CH-DE")] // RFC 5646 section 2.1, irregular grandfathered
    public void WellFormedTags_AreTaken(string tag) => Assert.True(MailLocale.IsWellFormed(tag), tag);

    [Theory]
    [InlineData("")]
    [InlineData("e")]
    [InlineData("englishlanguage")]
    [InlineData("en_US")]
    [InlineData("en-")]
    [InlineData("-en")]
    [InlineData("en--US")]
    [InlineData("en US")]
    [InlineData("de-419-DE")]
    [InlineData("en-a")]
    [InlineData("en-x")]
    [InlineData("a-DE")]
    [InlineData("ja-JP-\u212Aa")]
    [InlineData("日本語")]
    [InlineData("en;q=1")]
    [InlineData("*")]
    [InlineData("ar-EG-123456789")]
    public void MalformedTags_AreRefused(string tag) => Assert.False(MailLocale.IsWellFormed(tag), tag);

    // "en" and well-formed variants: 64 characters, and 65 (the pattern alone would take both).
    private static readonly string TagOfTheCap = "en" + string.Concat(Enumerable.Repeat("-abcdefgh", 6)) + "-abcdefg";
    private static readonly string TagOverTheCap = TagOfTheCap + "h";

    [Fact]
    public void ATagLongerThanTheCap_IsRefused()
    {
        Assert.Equal(MailLocale.MaxTagLength, TagOfTheCap.Length);
        Assert.True(MailLocale.IsWellFormed(TagOfTheCap));
        Assert.False(MailLocale.IsWellFormed(TagOverTheCap));
        Assert.False(MailLocale.IsWellFormed("en" + string.Concat(Enumerable.Repeat("-abcdefgh", 8))));
    }

    [Fact]
    public void Resolve_OfATagLongerThanTheCap_IsNull()
    {
        Assert.Equal("en", MailLocale.Resolve(TagOfTheCap));
        Assert.Null(MailLocale.Resolve(TagOverTheCap));
    }

    [Theory]
    [InlineData("en", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("ES-mx", "es")]
    [InlineData("es-419", "es")]
    [InlineData("fr-CA", "fr")]
    [InlineData("de-AT", "de")]
    [InlineData("pt", "pt-BR")]
    [InlineData("pt-PT", "pt-BR")]
    [InlineData("pt-BR", "pt-BR")]
    [InlineData("zh", "zh-Hans")]
    [InlineData("zh-CN", "zh-Hans")]
    [InlineData("zh-SG", "zh-Hans")]
    [InlineData("zh-Hans-HK", "zh-Hans")]
    [InlineData("ja-JP", "ja")]
    [InlineData("ko-KR", "ko")]
    [InlineData("ar-SA", "ar")]
    [InlineData("he-IL", "he")]
    [InlineData("iw", "he")]
    [InlineData("hi-IN", "hi")]
    [InlineData("tr-TR", "tr")]
    [InlineData("pl-PL", "pl")]
    [InlineData("nl-BE", "nl")]
    [InlineData("it-CH", "it")]
    public void Resolve_FallsBackByLanguage(string tag, string expected) => Assert.Equal(expected, MailLocale.Resolve(tag));

    [Theory]
    [InlineData("zh-TW")]
    [InlineData("zh-HK")]
    [InlineData("zh-Hant")]
    [InlineData("zh-Hant-CN")]
    [InlineData("zh-yue")]
    [InlineData("sw")]
    [InlineData("ru")]
    [InlineData("x-private")]
    [InlineData("i-klingon")]
    [InlineData("en_US")]
    [InlineData(null)]
    public void Resolve_OfALanguageTheMailIsNotWrittenIn_IsNull(string? tag) => Assert.Null(MailLocale.Resolve(tag));

    [Theory]
    [InlineData("ja", "ja")]
    [InlineData("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr")]
    [InlineData("sw, ja;q=0.5", "ja")]
    [InlineData("de;q=0.5, ja;q=0.8", "ja")]
    [InlineData("de;q=0.5,ja;q=0.5", "de")]
    [InlineData("de;Q=0.5 , ko ; q=0.501", "ko")]
    [InlineData("pt-PT;q=1.000", "pt-BR")]
    [InlineData("zh-TW, zh-CN;q=0.9", "zh-Hans")]
    [InlineData("zh-TW, en;q=0.1", "en")]
    [InlineData("he-IL,he;q=0.9,en-US;q=0.8,en;q=0.7", "he")]
    [InlineData("ja;q=0, ko", "ko")]
    [InlineData("pt;q=0, pt-PT, it;q=0.5", "it")]
    [InlineData("*", "de")]
    [InlineData("sw, *;q=0.1", "de")]
    [InlineData("*, de;q=0", "en")]
    [InlineData("*;q=0, ja", "ja")]
    [InlineData("ja;q=2, ko", "ko")]
    [InlineData("ja;q=0.1234, ko;q=0.5", "ko")]
    [InlineData("ja;q=0., ko", "ko")] // "0." with no digits weighs 0: refused
    [InlineData("ko;q=0.999, ja;q=1.", "ja")] // "1." weighs 1000
    [InlineData("ja;level=1, ar;q=0.3", "ar")]
    [InlineData("ja_JP, tr;q=0.3", "tr")]
    [InlineData(",,, ja ,", "ja")]
    public void AcceptLanguage_TheHighestQValueThatResolves_Wins(string header, string expected) =>
        Assert.Equal(expected, MailLocale.FromAcceptLanguage(header, defaultLocale: "de"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sw, ru;q=0.5")]
    [InlineData("ja;q=0")]
    [InlineData("en;q=0.0, de;q=0")]
    [InlineData("not a header at all;;;")]
    public void AcceptLanguage_NamingNothingSupported_IsNull(string? header) => Assert.Null(MailLocale.FromAcceptLanguage(header, defaultLocale: "de"));

    [Theory]
    [InlineData("ja", "ko", "fr", "ja")]
    [InlineData("pt-PT", "ko", "fr", "pt-BR")]
    [InlineData("sw", "ko", "fr", "fr")]
    [InlineData(null, "ko", "fr", "ko")]
    [InlineData(null, "sw", "fr", "fr")]
    [InlineData(null, null, "fr", "fr")]
    public void Choose_TheFieldThenTheHeaderThenTheDefault(string? field, string? header, string defaultLocale, string expected) =>
        Assert.Equal(expected, MailLocale.Choose(field, header, defaultLocale));
}
