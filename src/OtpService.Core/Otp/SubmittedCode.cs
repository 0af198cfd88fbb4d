using System.Globalization;
using System.Text;

namespace OtpService.Core.Otp;

/// <summary>
/// The code format rule: turns a code as people type or paste it into the ASCII digits the
/// mail showed, or says why it cannot be one. A code refused here is a 400 before the store is
/// read, so it never counts as a wrong guess.
/// <list type="bullet">
/// <item>Decimal digits of any script (Unicode category Nd: full-width ７, Arabic-Indic ٧,
/// Devanagari ७, ...) read as their value, 0-9.</item>
/// <item>Spaces (any Unicode white space, e.g. U+00A0, U+2009, U+3000) and invisible format
/// characters (Cf, e.g. the bidi marks that come with text copied from right-to-left mail)
/// are ignored; hyphens and dashes (Pd, e.g. U+2010-U+2015, and U+2212 minus) are ignored
/// between digits.</item>
/// <item>Exactly the configured number of digits.</item>
/// </list>
/// </summary>
public static class SubmittedCode
{
    private const int MinusSign = 0x2212;

    /// <summary>
    /// Returns the code as ASCII digits, or null with <paramref name="reason"/> (the text after the
    /// field name in a 400 answer). <paramref name="asNumber"/>: the value came as a JSON number
    /// (RFC 8259 §6), given as its literal text; it must be a plain integer of exactly
    /// <paramref name="length"/> digits, since a number loses a code's leading zeros.
    /// </summary>
    public static string? TryNormalize(string? raw, int length, out string reason, bool asNumber = false)
    {
        var text = raw ?? "";
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "is required";
            return null;
        }

        reason = asNumber ? CheckNumber(text, length) : "";
        return reason.Length == 0 ? Digits(text, length, out reason) : null;
    }

    private static string CheckNumber(string number, int length)
    {
        if (number.StartsWith('-'))
        {
            return "must not be negative; send the code as a JSON string";
        }

        if (number.AsSpan().ContainsAny('.', 'e', 'E'))
        {
            return "must be a whole number, without a decimal point or exponent; send the code as a JSON string";
        }

        return number.Length < length
            ? string.Create(CultureInfo.InvariantCulture, $"has fewer than {length} digits as a JSON number: a number drops a code's leading zeros, so send the code as a JSON string, in quotes")
            : "";
    }

    private static string? Digits(string text, int length, out string reason)
    {
        Span<char> digits = stackalloc char[length];
        var count = 0;
        var dashPending = false;
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            // A lone surrogate decodes to U+FFFD, refused below like any other character that is no digit or separator.
            _ = Rune.DecodeFromUtf16(rest, out var rune, out var used);
            rest = rest[used..];
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.DecimalDigitNumber)
            {
                if (count == length)
                {
                    reason = ExactLength(length);
                    return null;
                }

                digits[count++] = (char)('0' + (int)Rune.GetNumericValue(rune));
                dashPending = false;
            }
            else if (count > 0 && (category == UnicodeCategory.DashPunctuation || rune.Value == MinusSign))
            {
                dashPending = true;
            }
            else if (!Rune.IsWhiteSpace(rune) && category != UnicodeCategory.Format)
            {
                reason = Malformed(length);
                return null;
            }
        }

        reason = count < length ? ExactLength(length) : dashPending ? Malformed(length) : "";
        return reason.Length == 0 ? new string(digits) : null;
    }

    private static string ExactLength(int length) => string.Create(CultureInfo.InvariantCulture, $"must be exactly {length} digits");

    private static string Malformed(int length) => ExactLength(length) + ", with nothing but spaces or hyphens between them";
}
