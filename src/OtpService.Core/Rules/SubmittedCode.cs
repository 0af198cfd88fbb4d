using System.Globalization;
using System.Text;

namespace OtpService.Core.Rules;

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
/// <item>Exactly one of the accepted numbers of digits (the configured length, and the longer one
/// codes get while an address is under attack).</item>
/// </list>
/// </summary>
public static class SubmittedCode
{
    private const int MinusSign = 0x2212;

    /// <summary>
    /// Returns the code as ASCII digits, or null with <paramref name="reason"/> (the text after the
    /// field name in a 400 answer). <paramref name="lengths"/>: the accepted numbers of digits,
    /// ascending. <paramref name="asNumber"/>: the value came as a JSON number (RFC 8259 §6), given
    /// as its literal text; it must be a plain integer of an accepted length, since a number loses
    /// a code's leading zeros.
    /// </summary>
    public static string? TryNormalize(string? raw, ReadOnlySpan<int> lengths, out string reason, bool asNumber = false)
    {
        if (lengths.IsEmpty)
        {
            throw new ArgumentException("At least one code length must be accepted.", nameof(lengths));
        }

        var text = raw ?? "";
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "is required";
            return null;
        }

        reason = asNumber ? CheckNumber(text, lengths) : "";
        return reason.Length == 0 ? Digits(text, lengths, out reason) : null;
    }

    /// <summary>As <see cref="TryNormalize(string?, ReadOnlySpan{int}, out string, bool)"/> with one accepted length.</summary>
    public static string? TryNormalize(string? raw, int length, out string reason, bool asNumber = false) =>
        TryNormalize(raw, [length], out reason, asNumber);

    private static string CheckNumber(string number, ReadOnlySpan<int> lengths)
    {
        if (number.StartsWith('-'))
        {
            return "must not be negative; send the code as a JSON string";
        }

        if (number.AsSpan().ContainsAny('.', 'e', 'E'))
        {
            return "must be a whole number, without a decimal point or exponent; send the code as a JSON string";
        }

        const string LeadingZeros = "a number drops a code's leading zeros, so send the code as a JSON string, in quotes";
        // A number longer than every accepted length is refused by Digits, as a typed code is.
        if (lengths.Contains(Math.Min(number.Length, lengths[^1])))
        {
            return "";
        }

        return lengths.Length == 1
            ? string.Create(CultureInfo.InvariantCulture, $"has fewer than {lengths[0]} digits as a JSON number: {LeadingZeros}")
            : string.Create(CultureInfo.InvariantCulture, $"has {number.Length} digits as a JSON number, not {Lengths(lengths)}: {LeadingZeros}");
    }

    private static string? Digits(string text, ReadOnlySpan<int> lengths, out string reason)
    {
        var length = lengths[^1];
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
                    reason = ExactLength(lengths);
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
                reason = Malformed(lengths);
                return null;
            }
        }

        reason = !lengths.Contains(count) ? ExactLength(lengths) : dashPending ? Malformed(lengths) : "";
        return reason.Length == 0 ? new string(digits[..count]) : null;
    }

    /// <summary>"6", or "6 or 10" when long codes are accepted too.</summary>
    private static string Lengths(ReadOnlySpan<int> lengths) => string.Join(" or ", lengths.ToArray());

    /// <summary>
    /// In words a person can act on: the usual length, and the longer one only as what the mail may
    /// show (an address under attack gets longer codes: README "Abuse limits").
    /// </summary>
    private static string Expected(ReadOnlySpan<int> lengths) => lengths.Length == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{lengths[0]} digits")
        : string.Create(CultureInfo.InvariantCulture, $"{lengths[0]} digits ({string.Join(" or ", lengths[1..].ToArray())} if the email shows a longer code)");

    private static string ExactLength(ReadOnlySpan<int> lengths) => $"must have {Expected(lengths)}; copy it from the newest email";

    private static string Malformed(ReadOnlySpan<int> lengths) => $"must be only the {Expected(lengths)} from the email, with nothing else but spaces or hyphens";
}
