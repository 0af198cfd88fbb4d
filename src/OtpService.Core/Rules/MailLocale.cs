using System.Globalization;
using System.Text.RegularExpressions;

namespace OtpService.Core.Rules;

/// <summary>
/// Which of the mail's languages (<see cref="MailTexts.Supported"/>) a request gets: the request's
/// <c>locale</c> field, else its <c>Accept-Language</c> header, else the deployment's default
/// (OTP_DEFAULT_LOCALE). Tags are BCP 47 (RFC 5646); a tag the mail is not written in falls back by
/// language (<c>pt-PT</c> to <c>pt-BR</c>, <c>zh-CN</c> to <c>zh-Hans</c>), then to the default:
/// never an error once the tag is well-formed. Chinese in Traditional script (<c>zh-Hant</c>, or
/// <c>zh-TW</c>, <c>zh-HK</c>, <c>zh-MO</c> without a script) does not fall back to Simplified:
/// a reader of one script is not served the other; it gets the next language they accept, or the default.
/// </summary>
public static partial class MailLocale
{
    /// <summary>Longest tag taken; RFC 5646 section 4.4.1 asks for at least 35 characters, and real tags are far shorter.</summary>
    public const int MaxTagLength = 64;

    /// <summary>True when <paramref name="tag"/> is a well-formed language tag (RFC 5646 section 2.1, the ABNF, case-insensitive; section 2.2.8's grandfathered tags included).</summary>
    public static bool IsWellFormed(string? tag) => tag is { Length: > 0 and <= MaxTagLength } && (LanguageTag().IsMatch(tag) || IsIrregular(tag));

    /// <summary>
    /// The supported locale for a well-formed tag (RFC 4647 section 3.4's lookup: the tag, then its
    /// language), or null when the mail is not written in its language or the tag is malformed.
    /// </summary>
    public static string? Resolve(string? tag)
    {
        if (tag is not { Length: > 0 and <= MaxTagLength } || LanguageTag().Match(tag) is not { Success: true } match)
        {
            return null;
        }

        // An extended language subtag names the language itself (RFC 5646 section 2.2.2): zh-yue is Cantonese, not Chinese.
        var language = (match.Groups["extlang"].Success ? match.Groups["extlang"].Value[1..] : match.Groups["language"].Value).ToLowerInvariant();
        var script = match.Groups["script"].Value.ToLowerInvariant();
        var region = match.Groups["region"].Value.ToUpperInvariant();
        return language switch
        {
            "zh" when script == "hant" || (script.Length == 0 && region is "TW" or "HK" or "MO") => null,
            "zh" => "zh-Hans",
            "pt" => "pt-BR",
            // Hebrew's code before 1989 (ISO 639 "iw"), still sent by some systems.
            "iw" => "he",
            _ => MailTexts.Supported.FirstOrDefault(s => string.Equals(s, language, StringComparison.Ordinal)),
        };
    }

    /// <summary>
    /// The supported locale an <c>Accept-Language</c> header asks for first (RFC 9110 section 12.5.4):
    /// ranges by descending q-value (ties keep their order), each looked up as <see cref="Resolve"/>;
    /// <c>*</c> stands for any language, so the default; a range with <c>q=0</c> refuses every
    /// locale it matches by RFC 4647 section 3.3.1's basic filtering (<c>pt;q=0</c> refuses pt-BR).
    /// Elements that do not parse are skipped, as a client's header is no reason to refuse the request.
    /// Null when nothing acceptable is supported.
    /// </summary>
    /// <param name="header">The header's value, or null.</param>
    /// <param name="defaultLocale">What <c>*</c> stands for.</param>
    public static string? FromAcceptLanguage(string? header, string defaultLocale)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var ranges = new List<(string Range, int Weight)>();
        foreach (var element in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = element.Split(';', StringSplitOptions.TrimEntries);
            if (!LanguageRange().IsMatch(parts[0]) || Weight(parts.AsSpan(1)) is not { } weight)
            {
                continue;
            }

            ranges.Add((parts[0], weight));
        }

        // "*;q=0" refuses only what no other range names; the ranges tried here are all named ones.
        var refused = ranges.Where(r => r.Weight == 0 && r.Range != "*").Select(r => r.Range).ToList();
        bool Acceptable(string locale) => !refused.Any(r => Matches(r, locale));
        foreach (var (range, _) in ranges.Where(r => r.Weight > 0).OrderByDescending(r => r.Weight))
        {
            var locale = range == "*"
                ? (Acceptable(defaultLocale) ? defaultLocale : MailTexts.Supported.FirstOrDefault(Acceptable))
                : Resolve(range);
            if (locale is not null && Acceptable(locale))
            {
                return locale;
            }
        }

        return null;
    }

    /// <summary>The locale a generate request's mail is written in (see the type's summary).</summary>
    /// <param name="requested">The request's well-formed <c>locale</c> field, or null when it sent none.</param>
    /// <param name="acceptLanguage">The request's <c>Accept-Language</c> header, or null.</param>
    /// <param name="defaultLocale">OTP_DEFAULT_LOCALE, already a supported locale.</param>
    public static string Choose(string? requested, string? acceptLanguage, string defaultLocale) =>
        requested is not null
            ? Resolve(requested) ?? defaultLocale
            : FromAcceptLanguage(acceptLanguage, defaultLocale) ?? defaultLocale;

    /// <summary>RFC 4647 section 3.3.1: the range equals the tag, or a prefix of it ending before a "-" (case-insensitive).</summary>
    private static bool Matches(string range, string tag) =>
        tag.StartsWith(range, StringComparison.OrdinalIgnoreCase) && (tag.Length == range.Length || tag[range.Length] == '-');

    /// <summary>The q parameter in thousandths (RFC 9110 section 12.4.2); 1000 when absent; null when malformed.</summary>
    private static int? Weight(ReadOnlySpan<string> parameters)
    {
        var weight = 1000;
        foreach (var parameter in parameters)
        {
            if (!QValue().IsMatch(parameter))
            {
                return null;
            }

            var value = parameter[2..];
            weight = value[0] == '1' ? 1000 : int.Parse(value.Length > 2 ? value[2..].PadRight(3, '0') : "0", NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return weight;
    }

    private static bool IsIrregular(string tag) => Irregular.Contains(tag, StringComparer.OrdinalIgnoreCase);

    /// <summary>RFC 5646 section 2.1's irregular grandfathered tags (the regular ones fit the langtag rule).</summary>
    private static readonly string[] Irregular =
    [
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo", "i-navajo",
        "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
    ];

    // RFC 5646 section 2.1: langtag / privateuse. ASCII classes, not IgnoreCase: a case-insensitive
    // [a-z] would also take U+212A KELVIN SIGN for k.
    [GeneratedRegex("""
        ^(?:
          (?<language>[A-Za-z]{2,3})(?<extlang>-[A-Za-z]{3}){0,1}(?:-[A-Za-z]{3}){0,2}
          |(?<language>[A-Za-z]{4,8})
        )
        (?:-(?<script>[A-Za-z]{4}))?
        (?:-(?<region>[A-Za-z]{2}|[0-9]{3}))?
        (?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*
        (?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*
        (?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$
        |^[Xx](?:-[A-Za-z0-9]{1,8})+$
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant)]
    private static partial Regex LanguageTag();

    /// <summary>RFC 4647 section 2.1's language-range, as RFC 9110 section 12.5.4 uses it.</summary>
    [GeneratedRegex("^(?:\\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageRange();

    /// <summary>RFC 9110 section 12.4.2's weight, after the ";" and optional whitespace.</summary>
    [GeneratedRegex("^[Qq]=(?:0(?:\\.[0-9]{0,3})?|1(?:\\.0{0,3})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex QValue();
}
