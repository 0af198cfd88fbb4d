using System.Buffers;
using System.Globalization;
using System.Text;

namespace OtpService.Core.Rules;

/// <summary>
/// The one address rule. It accepts exactly the addresses Amazon SES can deliver to and gives
/// each mailbox one key: the ASCII form used for storage, mailing and comparison.
/// <list type="bullet">
/// <item>Trimmed; spaces, line breaks, control characters and invisible characters (Unicode
/// category Cf such as U+200B, U+00AD, U+FEFF and bidi controls, and the other
/// Default_Ignorable_Code_Point characters: variation selectors, U+034F, Hangul fillers) refused.</item>
/// <item>Unicode NFC (UAX #15), so composed and decomposed spellings are one address.</item>
/// <item>Local part: RFC 5322 §3.4.1 dot-atom in 7-bit ASCII, at most 64 octets (RFC 5321
/// §4.5.3.1.1). SES "does not support the SMTPUTF8 extension ... the local part of a destination
/// email address ... may only contain 7-bit ASCII characters"
/// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Destination.html; the v1 reference
/// adds "Punycode is not permitted in the local part"). Quoted local
/// parts are refused (RFC 5321 §4.1.2: hosts "SHOULD avoid defining mailboxes where the
/// Local-part requires ... the Quoted-string form").</item>
/// <item>Domain: a host name (RFC 5321 §4.1.2), each label converted to its IDNA ASCII form by
/// <see cref="IdnMapping"/> (UTS #46 nontransitional processing with STD3 rules: case folding,
/// width mapping, U+FF0E, U+3002 and U+FF61 as dots), as SES requires Punycode (RFC 3492) for
/// non-ASCII domains; labels of at most 63 octets; the last label not all digits (RFC 3696 §2);
/// no IP address literals.</item>
/// <item>Lower-cased; at most 254 octets in all (RFC 5321 §4.5.3.1.3: a path of 256 with its
/// angle brackets).</item>
/// </list>
/// </summary>
public static class EmailAddress
{
    public const int MaxLength = 254;
    public const int MaxLocalPartLength = 64;
    public const int MaxLabelLength = 63;

    /// <summary>RFC 5322 §3.2.3 atext besides ASCII letters and digits.</summary>
    public const string LocalPartSymbols = "!#$%&'*+-/=?^_`{|}~";

    // NFC composes at most four code points into one and Punycode never shortens a label, so a
    // longer input cannot fit MaxLength in its ASCII form; the cap also bounds the work per request.
    private const int MaxInputLength = 4 * MaxLength;

    // UTS #46 §2.3: the label separators; IDNA maps the three non-ASCII ones to U+002E.
    private static readonly char[] LabelSeparators = ['.', '\uFF0E', '\u3002', '\uFF61'];

    private static readonly SearchValues<char> LocalPartCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789." + LocalPartSymbols);

    private static readonly SearchValues<char> HostNameCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    /// <summary>
    /// True when the runtime has Unicode data (ICU) for NFC and IDNA. Under
    /// <c>InvariantGlobalization</c> (the Native AOT build for provided.al2023, which has no libicu)
    /// string normalization returns its input unchanged and IdnMapping does neither case folding nor
    /// UTS #46 mapping, so a non-ASCII address could get a second key: it is refused there instead,
    /// and ASCII addresses, <c>xn--</c> domains included, behave the same in both builds.
    /// </summary>
    public static bool SupportsInternationalizedDomains { get; } = "\u00C5".Normalize(NormalizationForm.FormD).Length == 2;

    /// <summary>
    /// Returns the address's key (ASCII, lower-case, e.g. <c>idn@xn--bcher-kva.example</c> for
    /// <c>IDN@Bücher.example</c>), or null with <paramref name="reason"/> saying in plain words what
    /// is wrong (the text after the field name in a 400 answer).
    /// </summary>
    public static string? TryNormalize(string? raw, out string reason) => TryNormalize(raw, SupportsInternationalizedDomains, out reason, out _);

    /// <summary>
    /// As <see cref="TryNormalize(string?, out string)"/>; <paramref name="detail"/> is the technical
    /// part a person is not shown, for the log line: the offending character's code point
    /// (<c>U+200B</c>) when a character is refused, else null.
    /// </summary>
    public static string? TryNormalize(string? raw, out string reason, out string? detail) =>
        TryNormalize(raw, SupportsInternationalizedDomains, out reason, out detail);

    /// <summary>
    /// The rule behind both: <paramref name="unicodeData"/> says whether ICU's Unicode data is present
    /// (<see cref="SupportsInternationalizedDomains"/>; false under invariant globalization, as SendOtpEmail and the Native AOT bootstrap run).
    /// </summary>
    internal static string? TryNormalize(string? raw, bool unicodeData, out string reason, out string? detail)
    {
        var text = raw?.Trim() ?? "";
        (reason, detail) = CheckCharacters(text);
        if (reason.Length > 0)
        {
            return null;
        }

        var address = unicodeData ? text.Normalize(NormalizationForm.FormC) : text;
        var at = address.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || address.LastIndexOf('@') != at)
        {
            reason = address.Contains('\uFF20', StringComparison.Ordinal)
                ? "has a full-width '\uFF20'; type a plain @ instead"
                : "must have exactly one @, like name@example.com";
            return null;
        }

        var local = address[..at];
        (reason, detail) = CheckLocalPart(local);
        var domain = reason.Length == 0 ? ToAsciiDomain(address[(at + 1)..], unicodeData, out reason) : null;
        if (domain is null)
        {
            return null;
        }

        var normalized = $"{local.ToLowerInvariant()}@{domain}";
        reason = normalized.Length > MaxLength
            ? Ascii.IsValid(address)
                ? $"is too long: an email address has at most {MaxLength} characters"
                : $"is too long once its domain is converted for email: an email address has at most {MaxLength} characters"
            : domain.Split('.').Any(label => label.Length > MaxLabelLength)
                ? $"has a part after the @ that is too long (at most {MaxLabelLength} characters between dots); check the address"
                : "";
        return reason.Length == 0 ? normalized : null;
    }

    private static (string Reason, string? Detail) CheckCharacters(string text)
    {
        if (text.Length == 0)
        {
            return ("is required", null);
        }

        if (text.Length > MaxInputLength)
        {
            return ($"is too long: an email address has at most {MaxLength} characters", null);
        }

        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != OperationStatus.Done)
            {
                // An unpaired surrogate (a JSON "\ud800"): text copied from somewhere broken.
                return ("has a character that could not be read; type the address instead of pasting it", "unpaired UTF-16 surrogate");
            }

            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune))
            {
                return ("must not contain spaces or line breaks", CodePoint(rune));
            }

            if (IsInvisible(rune))
            {
                // Which one is for the log line: a person cannot see it anyway.
                return ("contains an invisible character, often copied along with text; type the address instead of pasting it", CodePoint(rune));
            }

            rest = rest[used..];
        }

        return ("", null);
    }

    private static string CodePoint(Rune rune) => string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4}");

    /// <summary>
    /// Format characters (Cf) and the other Default_Ignorable_Code_Point characters of Unicode's
    /// DerivedCoreProperties.txt: they show nothing, so two addresses that look the same would differ.
    /// </summary>
    private static bool IsInvisible(Rune rune) => Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || rune.Value is
        0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F) or 0x3164
        or (>= 0xFE00 and <= 0xFE0F) or 0xFFA0 or (>= 0xE0100 and <= 0xE01EF);

    private static (string Reason, string? Detail) CheckLocalPart(string local)
    {
        if (local.Length == 0)
        {
            return ("has nothing before the @; check the address", null);
        }

        var bad = local.AsSpan().IndexOfAnyExcept(LocalPartCharacters);
        if (bad >= 0)
        {
            var rune = Rune.GetRuneAt(local, bad);
            return (local[bad] is '"' or '\\'
                ? "has quotes or a backslash before the @, which cannot be used here; use an address without them"
                : $"has '{rune}' before the @, where email can only use unaccented letters, digits and a few marks such as . _ - +; check the address", CodePoint(rune));
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return ("has a dot in the wrong place before the @ (first, last, or two in a row); check the address", null);
        }

        return (local.Length > MaxLocalPartLength ? $"is too long before the @ (at most {MaxLocalPartLength} characters); check the address" : "", null);
    }

    private static string? ToAsciiDomain(string domain, bool unicodeData, out string reason)
    {
        if (domain.StartsWith('['))
        {
            reason = "must have a domain name after the @ (like example.com), not an IP address";
            return null;
        }

        var labels = domain.Split(LabelSeparators);
        if (labels.Length < 2 || labels.Any(label => label.Length == 0))
        {
            reason = "must have a domain with a dot after the @, like example.com";
            return null;
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (ToAsciiLabel(labels[i], unicodeData, out reason) is not { } ascii)
            {
                return null;
            }

            labels[i] = ascii;
        }

        reason = labels[^1].All(char.IsAsciiDigit) ? "must end in a name like .com, not a number; check the address" : "";
        return reason.Length == 0 ? string.Join('.', labels) : null;
    }

    private static string? ToAsciiLabel(string label, bool unicodeData, out string reason)
    {
        if (label[0] == '-' || label[^1] == '-')
        {
            reason = "has a hyphen at the start or end of a part after the @; check the address";
            return null;
        }

        if (Ascii.IsValid(label))
        {
            var bad = label.AsSpan().IndexOfAnyExcept(HostNameCharacters);
            reason = bad >= 0 ? $"has '{label[bad]}' after the @, where only letters, digits, hyphens and dots can be used; check the address"
                : unicodeData && label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) && Idna(label, toAscii: false) is null
                    ? "has a part after the @ starting with xn-- that is not a valid domain name; check the address"
                    : "";
            return reason.Length == 0 ? label.ToLowerInvariant() : null;
        }

        if (!unicodeData)
        {
            reason = "has accented or non-Latin letters after the @, which this server cannot accept; use the domain's xn-- form or another address";
            return null;
        }

        // IDNA's ToUnicode validates without the length limits, so a failure of ToASCII after it is the length.
        if (Idna(label, toAscii: false) is null)
        {
            reason = "has a character after the @ that a domain name cannot contain; check the address";
            return null;
        }

        var ascii = Idna(label, toAscii: true);
        reason = ascii is null ? $"has a part after the @ that is too long once converted for email (at most {MaxLabelLength} characters); check the address" : "";
        return ascii?.ToLowerInvariant();
    }

    /// <summary>The label through UTS #46 ToASCII or ToUnicode, or null where IDNA refuses it.</summary>
    private static string? Idna(string label, bool toAscii)
    {
        // Instance members of IdnMapping are not documented as thread-safe; one costs a few bytes.
        // Unassigned code points are refused as UTS #46 disallows them (ICU ignores AllowUnassigned for it).
        var idna = new IdnMapping { UseStd3AsciiRules = true };
        try
        {
            return toAscii ? idna.GetAscii(label) : idna.GetUnicode(label);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
