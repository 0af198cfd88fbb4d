using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>The code format rule: codes however they are typed or pasted, and JSON numbers only when nothing was lost.</summary>
public class SubmittedCodeTests
{
    public static TheoryData<string, string> Typed() => new()
    {
        { "474890", "474890" },
        { "  474890\t", "474890" },
        { "012345", "012345" },
        // Decimal digits of any script (Unicode Nd).
        { "７８８９５４", "788954" },
        { "٤٧٤٨٩٠", "474890" },
        { "۴۷۴۸۹۰", "474890" },
        { "४७४८९०", "474890" },
        { "৪৭৪৮৯০", "474890" },
        { "๔๗๔๘๙๐", "474890" },
        { "\uD835\uDFD2\uD835\uDFD5\uD835\uDFD2\uD835\uDFD6\uD835\uDFD7\uD835\uDFCE", "474890" },
        { "47４８٩0", "474890" },
        // Spaces between groups, any width.
        { "474 890", "474890" },
        { "474\u00A0890", "474890" },
        { "474\u2009890", "474890" },
        { "474\u202F890", "474890" },
        { "474\u3000890", "474890" },
        { "4 7 4 8 9 0", "474890" },
        { "474  890", "474890" },
        // Hyphens and dashes between groups.
        { "474-890", "474890" },
        { "474\u2010890", "474890" },
        { "474\u2011890", "474890" },
        { "474\u2012890", "474890" },
        { "474\u2013890", "474890" },
        { "474\u2014890", "474890" },
        { "474\u2015890", "474890" },
        { "474\u2212890", "474890" },
        { "474\uFF0D890", "474890" },
        { "474 - 890", "474890" },
        { "47-48-90", "474890" },
        // Invisible marks that come with copied text (bidi marks around Arabic-Indic digits, zero-width space).
        { "\u200F٤٧٤٨٩٠\u200F", "474890" },
        { "474\u200B890", "474890" },
        { "\uFEFF474890", "474890" },
    };

    [Theory]
    [MemberData(nameof(Typed))]
    public void TryNormalize_ReadsTheDigits(string raw, string expected)
    {
        Assert.Equal(expected, SubmittedCode.TryNormalize(raw, 6, out var reason));
        Assert.Equal("", reason);
    }

    public static TheoryData<string?, string> Malformed() => new()
    {
        { null, "is required" },
        { "", "is required" },
        { "  \t ", "is required" },
        { "47489", "must have 6 digits; copy it from the newest email" },
        { "4748901", "must have 6 digits; copy it from the newest email" },
        { "474 89", "must have 6 digits; copy it from the newest email" },
        { new string('1', 5000), "must have 6 digits; copy it from the newest email" },
        { "\u200B", "must have 6 digits; copy it from the newest email" },
        { "12a456", "must be only the 6 digits from the email, with nothing else but spaces or hyphens" },
        { "474.890", "with nothing else but spaces or hyphens" },
        { "474_890", "with nothing else but spaces or hyphens" },
        { "474+890", "with nothing else but spaces or hyphens" },
        { "-474890", "with nothing else but spaces or hyphens" },
        { "\u2212474890", "with nothing else but spaces or hyphens" },
        { "474890-", "with nothing else but spaces or hyphens" },
        { "474890 -", "with nothing else but spaces or hyphens" },
        // Other numerals are not decimal digits: superscripts (No), circled (No), Roman (Nl), CJK ideographs (Lo).
        { "47489²", "with nothing else but spaces or hyphens" },
        { "①②③④⑤⑥", "with nothing else but spaces or hyphens" },
        { "ⅠⅡⅢⅣⅤⅥ", "with nothing else but spaces or hyphens" },
        { "四七四八九〇", "with nothing else but spaces or hyphens" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryNormalize_RefusesWithTheReason(string? raw, string reasonPart)
    {
        Assert.Null(SubmittedCode.TryNormalize(raw, 6, out var reason));
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_RefusesALoneSurrogate()
    {
        Assert.Null(SubmittedCode.TryNormalize("47489\uD800", 6, out var reason));
        Assert.Equal("must be only the 6 digits from the email, with nothing else but spaces or hyphens", reason);
    }

    [Theory]
    [InlineData("0123456789", 10)]
    [InlineData("01234567", 8)]
    public void TryNormalize_FollowsTheConfiguredLength(string code, int length)
    {
        Assert.Equal(code, SubmittedCode.TryNormalize(code, length, out _));
        Assert.Null(SubmittedCode.TryNormalize(code[1..], length, out var reason));
        Assert.Equal($"must have {length} digits; copy it from the newest email", reason);
    }

    public static TheoryData<string, string?, string> JsonNumbers() => new()
    {
        { "474890", "474890", "" },
        { "100000", "100000", "" },
        { "12345", null, "has fewer than 6 digits as a JSON number: a number drops a code's leading zeros, so send the code as a JSON string, in quotes" },
        { "0", null, "send the code as a JSON string" },
        { "1234567", null, "must have 6 digits; copy it from the newest email" },
        { "-474890", null, "must not be negative; send the code as a JSON string" },
        { "-12345", null, "must not be negative" },
        { "474890.0", null, "must be a whole number, without a decimal point or exponent; send the code as a JSON string" },
        { "4748.90", null, "without a decimal point or exponent" },
        { "4.7489e5", null, "without a decimal point or exponent" },
        { "4.7489E5", null, "without a decimal point or exponent" },
        { "474890e0", null, "without a decimal point or exponent" },
        { "1e999", null, "without a decimal point or exponent" },
    };

    [Theory]
    [MemberData(nameof(JsonNumbers))]
    public void TryNormalize_TakesAJsonNumber_OnlyWithExactlyTheConfiguredDigits(string literal, string? expected, string reasonPart)
    {
        Assert.Equal(expected, SubmittedCode.TryNormalize(literal, 6, out var reason, asNumber: true));
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalize_ATenDigitJsonNumber_IsAcceptedAtTenDigits()
    {
        Assert.Equal("9876543210", SubmittedCode.TryNormalize("9876543210", 10, out _, asNumber: true));
        Assert.Contains("fewer than 10 digits", SubmittedCode.TryNormalize("987654321", 10, out var reason, asNumber: true) ?? reason, StringComparison.Ordinal);
    }
    // An address under attack is sent longer codes while its earlier 6-digit code stays good
    // (README "Abuse limits"): both lengths are accepted, and the reasons name both.
    public static TheoryData<string, bool, string?, string> TwoLengths() => new()
    {
        { "474890", false, "474890", "" },
        { "0123456789", false, "0123456789", "" },
        { "01234 56789", false, "0123456789", "" },
        { "1234567", false, null, "must have 6 digits (10 if the email shows a longer code); copy it from the newest email" },
        { "01234567890", false, null, "must have 6 digits (10 if the email shows a longer code); copy it from the newest email" },
        { "47489a", false, null, "must be only the 6 digits (10 if the email shows a longer code) from the email, with nothing else but spaces or hyphens" },
        { "474890", true, "474890", "" },
        { "9876543210", true, "9876543210", "" },
        { "1234567", true, null, "has 7 digits as a JSON number, not 6 or 10: a number drops a code's leading zeros, so send the code as a JSON string, in quotes" },
        { "12345", true, null, "has 5 digits as a JSON number, not 6 or 10: a number drops a code's leading zeros, so send the code as a JSON string, in quotes" },
        { "12345678901", true, null, "must have 6 digits (10 if the email shows a longer code); copy it from the newest email" },
    };

    [Theory]
    [MemberData(nameof(TwoLengths))]
    public void TryNormalize_WithTwoAcceptedLengths_TakesEither_AndNamesBothWhenRefusing(string raw, bool asNumber, string? expected, string expectedReason)
    {
        Assert.Equal(expected, SubmittedCode.TryNormalize(raw, [6, 10], out var reason, asNumber));
        Assert.Equal(expectedReason, reason);
    }

    [Fact]
    public void TryNormalize_WithNoAcceptedLength_IsAProgrammingError_NamingTheLengths()
    {
        var refused = Assert.Throws<ArgumentException>(() => SubmittedCode.TryNormalize("474890", ReadOnlySpan<int>.Empty, out _));

        Assert.Equal("lengths", refused.ParamName);
        Assert.StartsWith("At least one code length must be accepted.", refused.Message, StringComparison.Ordinal);
    }
}
