using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The address rule: what Amazon SES can deliver to (7-bit ASCII local part, Punycode domain),
/// one key per mailbox. Cases from RFC 3696 §3 (as corrected by errata 246, 3563), RFC 5321
/// §4.5.3.1 limits, RFC 5322 §3.2.3 atext, UTS #46 and the SES API reference.
/// </summary>
public class EmailAddressTests
{
    private static readonly string Label63 = new('a', 63);

    public static TheoryData<string, string> Valid() => new()
    {
        // Plain ASCII addresses behave as before: trimmed and lower-cased.
        { "user@example.com", "user@example.com" },
        { "  User.Name+Tag@Example.COM \t", "user.name+tag@example.com" },
        { "\u00A0user@example.com\u3000", "user@example.com" },
        { "x@a.co", "x@a.co" },
        { "first.last@sub.domain.example.org", "first.last@sub.domain.example.org" },
        { "user@my-host.example.com", "user@my-host.example.com" },
        { "user@ab--cd.example", "user@ab--cd.example" },
        { "1234567890@123.example.com", "1234567890@123.example.com" },
        // RFC 3696 §3, the unquoted examples.
        { "customer/department=shipping@example.com", "customer/department=shipping@example.com" },
        { "$A12345@example.com", "$a12345@example.com" },
        { "!def!xyz%abc@example.com", "!def!xyz%abc@example.com" },
        { "_somename@example.com", "_somename@example.com" },
        // RFC 5322 §3.2.3: every atext symbol.
        { "a!#$%&'*+-/=?^_`{|}~z@example.com", "a!#$%&'*+-/=?^_`{|}~z@example.com" },
        // Internationalized domains: IDNA ASCII form (UTS #46, nontransitional, as SES requires Punycode).
        { "idn@bücher.example", "idn@xn--bcher-kva.example" },
        { "user@münchen.de", "user@xn--mnchen-3ya.de" },
        { "user@пример.рф", "user@xn--e1afmkfd.xn--p1ai" },
        { "user@例え.テスト", "user@xn--r8jz45g.xn--zckzah" },
        { "user@faß.de", "user@xn--fa-hia.de" },
        { "user@💩.la", "user@xn--ls8h.la" },
        { "user@ＥＸＡＭＰＬＥ.com", "user@example.com" },
        { "user@xn--zca.de", "user@xn--zca.de" },
        // NFC maps a canonically equivalent sign to its ASCII letter (U+212A KELVIN SIGN is K).
        { "\u212Aelvin@example.com", "kelvin@example.com" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryNormalize_GivesTheAsciiKey(string raw, string expected)
    {
        Assert.Equal(expected, EmailAddress.TryNormalize(raw, out var reason));
        Assert.Equal("", reason);
    }

    public static TheoryData<string?, string> Invalid() => new()
    {
        { null, "is required" },
        { "", "is required" },
        { "   ", "is required" },
        { "userexample.com", "must have exactly one @, like name@example.com" },
        { "a@b@example.com", "must have exactly one @, like name@example.com" },
        { "user\uFF20example.com", "full-width '\uFF20'" },
        { "@example.com", "has nothing before the @; check the address" },
        { "user@", "must have a domain with a dot" },
        { "user@localhost", "must have a domain with a dot" },
        { "user@example..com", "must have a domain with a dot" },
        { "user@.example.com", "must have a domain with a dot" },
        { "user@example.com.", "must have a domain with a dot" },
        { "user@example\u3002", "must have a domain with a dot" },
        // Spaces, line breaks, control characters.
        { "us er@example.com", "must not contain spaces or line breaks" },
        { "user@example.com\r\nBcc: victim@example.com", "line breaks" },
        { "user\u0000@example.com", "must not contain spaces or line breaks [U+" },
        { "user\u0085@example.com", "must not contain spaces or line breaks [U+" },
        { "user\u00A0name@example.com", "spaces" },
        { "user\u2009name@example.com", "spaces" },
        { "user\u3000name@example.com", "spaces" },
        { "user\u2028@example.com", "line breaks" },
        // Invisible characters (Cf and the other default-ignorables) would make a second key that looks the same.
        { "pat\u200Bsmith@example.com", "contains an invisible character, often copied along with text; type the address instead of pasting it [U+200B]" },
        { "soft\u00ADhyphen@example.com", "[U+00AD]" },
        { "\uFEFFuser@example.com", "[U+FEFF]" },
        { "user@exa\u200Dmple.com", "[U+200D]" },
        { "user\u200C@example.com", "[U+200C]" },
        { "user\u200E@example.com", "[U+200E]" },
        { "user\u202E@example.com", "[U+202E]" },
        { "user\u2066@example.com", "[U+2066]" },
        { "user\u2060@example.com", "[U+2060]" },
        { "user\u061C@example.com", "[U+061C]" },
        { "user\u180E@example.com", "[U+180E]" },
        { "user@example.com\uDB40\uDC01", "[U+E0001]" },
        { "user\u034F@example.com", "[U+034F]" },
        { "user@exam\uFE0Fple.com", "[U+FE0F]" },
        { "user@exam\uFE00ple.com", "[U+FE00]" },
        { "user@exam\uDB40\uDD00ple.com", "[U+E0100]" },
        { "user@exam\uDB40\uDDEFple.com", "[U+E01EF]" },
        { "user@\u3164example.com", "[U+3164]" },
        { "user@\u115Fexample.com", "[U+115F]" },
        { "user@\u1160example.com", "[U+1160]" },
        { "user@\uFFA0example.com", "[U+FFA0]" },
        { "user@\u17B4example.com", "[U+17B4]" },
        { "user@\u17B5example.com", "[U+17B5]" },
        { "user@\u180Bexample.com", "[U+180B]" },
        { "user@\u180Fexample.com", "[U+180F]" },
        // Local part: 7-bit ASCII dot-atom only (SES: no SMTPUTF8; RFC 5321 §4.1.2: no quoted forms).
        { "jürgen@example.com", "has 'ü' before the @, where email can only use unaccented letters, digits and a few marks such as . _ - +; check the address [U+00FC]" },
        { "ju\u0308rgen@example.com", "'ü' before the @, where email can only use unaccented letters, digits and a few marks such as . _ - +; check the address [U+00FC]" },
        { "ｊｏｈｎ@example.com", "'ｊ' before the @, where email can only use unaccented letters, digits and a few marks such as . _ - +; check the address [U+FF4A]" },
        { "用户@例子.广告", "[U+7528]" },
        { "user\uD835\uDC00@example.com", "[U+1D400]" },
        { "john(comment)@example.com", "has '(' before the @" },
        { "a,b@example.com", "has ',' before the @" },
        { "a;b@example.com", "has ';' before the @" },
        { "a<b@example.com", "has '<' before the @" },
        { "a[b]@example.com", "has '[' before the @" },
        { "a:b@example.com", "has ':' before the @" },
        { "\"abc\"@example.com", "has quotes or a backslash before the @, which cannot be used here; use an address without them" },
        { "\"Joe\\\\Blow\"@example.com", "quotes or a backslash" },
        { "Joe.\\\\Blow@example.com", "quotes or a backslash" },
        { "\"Abc@def\"@example.com", "must have exactly one @, like name@example.com" },
        { "Abc\\@def@example.com", "must have exactly one @, like name@example.com" },
        { "Fred\\ Bloggs@example.com", "must not contain spaces" },
        { "\"Fred Bloggs\"@example.com", "must not contain spaces" },
        { ".user@example.com", "has a dot in the wrong place before the @ (first, last, or two in a row); check the address" },
        { "user.@example.com", "has a dot in the wrong place" },
        { "us..er@example.com", "two in a row" },
        // Domain: a host name, IDNA-valid, not a number, no address literal.
        { "user@-example.com", "has a hyphen at the start or end of a part after the @; check the address" },
        { "user@example-.com", "has a hyphen at the start or end" },
        { "user@-bücher.example", "has a hyphen at the start or end" },
        { "user@bücher-.example", "has a hyphen at the start or end" },
        { "user@exa_mple.com", "has '_' after the @, where only letters, digits, hyphens and dots can be used; check the address" },
        { "user@exa!mple.com", "has '!' after the @" },
        { "user@_dmarc.example.com", "has '_' after the @" },
        { "user@exam ple.com", "must not contain spaces" },
        { "user@[192.0.2.1]", "must have a domain name after the @ (like example.com), not an IP address" },
        { "user@[IPv6:2001:db8::1]", "not an IP address" },
        { "user@1.2.3.4", "must end in a name like .com, not a number" },
        { "user@example.123", "not a number" },
        { "user@xn--abc.example", "has a part after the @ starting with xn-- that is not a valid domain name; check the address" },
        { "user@XN--ABC.example", "starting with xn-- that is not a valid domain name" },
        { "user@xn--bcher-2pa.example", "starting with xn-- that is not a valid domain name" },
        { "user@xn--bucher-xyd.example", "starting with xn-- that is not a valid domain name" },
        { "user@bü_cher.example", "has a character after the @ that a domain name cannot contain; check the address" },
        { "user@bücher\uFE52example.com", "a domain name cannot contain" },
        { "user@\uE000x.com", "a domain name cannot contain" },
        { "user@a\u0378b.com", "a domain name cannot contain" },
        { "user@ａ＿b.com", "a domain name cannot contain" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TryNormalize_RefusesWithTheReason(string? raw, string reasonPart)
    {
        Assert.Null(EmailAddress.TryNormalize(raw, out var reason, out var detail));
        // The technical part (a refused character's code point) is for the log line, not in the words.
        Assert.DoesNotContain("U+", reason, StringComparison.Ordinal);
        Assert.Contains(reasonPart, detail is null ? reason : $"{reason} [{detail}]", StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_RefusesALoneSurrogate()
    {
        // A JSON body can carry one ("\ud800"); kept out of theory data, which xunit serializes as UTF-8.
        Assert.Equal("has a character that could not be read; type the address instead of pasting it", Reason("user\uD800@example.com"));
        Assert.Equal("has a character that could not be read; type the address instead of pasting it", Reason("user@example.com\uDC00"));
    }

    [Fact]
    public void OneMailbox_WrittenManyWays_HasOneKey()
    {
        string[] spellings =
        [
            "idn@bücher.example",
            "IDN@Bücher.Example",
            "  idn@BÜCHER.EXAMPLE  ",
            "idn@bu\u0308cher.example",
            "idn@BU\u0308CHER.example",
            "idn@bücher\uFF0Eexample",
            "idn@bücher\u3002example",
            "idn@bücher\uFF61example",
            "idn@ｂüｃｈｅｒ.ｅｘａｍｐｌｅ",
            "idn@xn--bcher-kva.example",
            "IDN@XN--BCHER-KVA.EXAMPLE",
        ];

        var keys = spellings.Select(s => EmailAddress.TryNormalize(s, out _)).Distinct().ToList();

        Assert.Equal(["idn@xn--bcher-kva.example"], keys);
    }

    [Fact]
    public void TheLimits_AreCountedInOctetsOfTheAsciiForm()
    {
        var local64 = new string('l', 64);
        // 64 + 1 + 189 = 254, with labels of at most 63.
        var domain189 = $"{Label63}.{Label63}.{new string('c', 57)}.com";
        Assert.Equal(254, $"{local64}@{domain189}".Length);

        Assert.NotNull(EmailAddress.TryNormalize($"{local64}@{domain189}", out _));
        Assert.Equal("is too long: an email address has at most 254 characters", Reason($"{local64}@{domain189}x"));
        Assert.Contains("is too long before the @ (at most 64 characters)", Reason(new string('a', 65) + "@example.com"), StringComparison.Ordinal);
        Assert.NotNull(EmailAddress.TryNormalize($"user@{Label63}.com", out _));
        Assert.Contains("has a part after the @ that is too long (at most 63 characters between dots); check the address", Reason($"user@{Label63}a.com"), StringComparison.Ordinal);
        Assert.Contains("254", Reason("a@" + new string('b', 250) + ".com"), StringComparison.Ordinal);
        Assert.Contains("254", Reason(new string('a', 2000) + "@example.com"), StringComparison.Ordinal);
        // Past four times the limit the input is refused before any other check (NFC shrinks at most four to one).
        Assert.Equal("is too long: an email address has at most 254 characters", Reason(new string('a', 4 * 254) + "\u0000"));
        Assert.Equal("must not contain spaces or line breaks", Reason(new string('a', (4 * 254) - 1) + "\u0000"));
    }

    [Fact]
    public void AnXnLabelOverTheLimit_IsValidPunycode_ButTooLong()
    {
        // The ASCII form of 58 'ü': valid Punycode, 64 characters.
        Assert.Equal("has a part after the @ that is too long (at most 63 characters between dots); check the address", Reason("user@xn--tda" + new string('a', 57) + ".de"));
        Assert.Equal("user@xn--tda" + new string('a', 56) + ".de", EmailAddress.TryNormalize("user@xn--tda" + new string('a', 56) + ".de", out _));
    }

    [Fact]
    public void ADomainThatGrowsInPunycode_IsMeasuredInItsAsciiForm()
    {
        // 58 'ü' are 58 characters, but 64 in Punycode (xn--tdaaa...): over a label's 63.
        Assert.Contains("too long once converted for email (at most 63 characters)", Reason($"user@{new string('ü', 58)}.de"), StringComparison.Ordinal);
        Assert.NotNull(EmailAddress.TryNormalize($"user@{new string('ü', 57)}.de", out _));

        // 250 characters as typed; 286 once each label of 40 'ü' is 46 in Punycode.
        var address = "a@" + string.Join('.', Enumerable.Repeat(new string('ü', 40), 6)) + ".de";
        Assert.Equal(250, address.Length);
        Assert.Contains("is too long once its domain is converted for email", Reason(address), StringComparison.Ordinal);
    }

    [Fact]
    public void TheTestProcess_HasUnicodeData_AsTheManagedFunctionsDo()
    {
        Assert.True(EmailAddress.SupportsInternationalizedDomains);
    }

    public static TheoryData<string, string?, string> WithoutUnicodeData() => new()
    {
        // Invariant globalization (the Native AOT build): ASCII addresses as everywhere; non-ASCII refused, never given a second key.
        { "  User.Name+Tag@Example.COM ", "user.name+tag@example.com", "" },
        { "IDN@XN--BCHER-KVA.EXAMPLE", "idn@xn--bcher-kva.example", "" },
        { "user@xn--abc.example", "user@xn--abc.example", "" },
        { "idn@bücher.example", null, "has accented or non-Latin letters after the @, which this server cannot accept; use the domain's xn-- form or another address" },
        { "idn@bücher\u3002example", null, "accented or non-Latin letters" },
        { "user@example\u3002com", "user@example.com", "" },
        { "jürgen@example.com", null, "'ü' before the @, where email can only use unaccented letters, digits and a few marks such as . _ - +; check the address [U+00FC]" },
        { "ju\u0308rgen@example.com", null, "'\u0308' before the @, where email can only use unaccented letters, digits and a few marks such as . _ - +; check the address [U+0308]" },
        { "pat\u200Bsmith@example.com", null, "[U+200B]" },
    };

    [Theory]
    [MemberData(nameof(WithoutUnicodeData))]
    public void WithoutUnicodeData_AsciiIsUnchanged_AndNonAsciiIsRefused(string raw, string? expected, string reasonPart)
    {
        Assert.Equal(expected, EmailAddress.TryNormalize(raw, unicodeData: false, out var reason, out var detail));
        Assert.Contains(reasonPart, detail is null ? reason : $"{reason} [{detail}]", StringComparison.Ordinal);
    }

    private static string Reason(string raw)
    {
        Assert.Null(EmailAddress.TryNormalize(raw, out var reason));
        return reason;
    }
}
