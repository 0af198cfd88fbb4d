using System.Net;
using System.Text;
using System.Text.Unicode;

namespace OtpService.Core.Lambda;

/// <summary>
/// The one decoding rule for query strings and form bodies: application/x-www-form-urlencoded as
/// the WHATWG URL Standard parses it (section 5.1: split on '&amp;', each on its first '=', '+' is a
/// space, %XX is the byte XX, the bytes are UTF-8), except that what it would let through silently
/// is a fault here: a '%' that is not followed by two hex digits (WHATWG keeps it as text) and
/// bytes that are not UTF-8 (WHATWG makes them U+FFFD), such as <c>%FF</c>, the overlong
/// <c>%C0%AF</c> or the surrogate <c>%ED%A0%80</c> (RFC 3629 section 3 forbids both).
/// Each fault is reported per name and value; the decoded text then carries U+FFFD in place of
/// what could not be decoded.
/// </summary>
public static class FormUrlEncoding
{
    /// <summary>U+FFFD REPLACEMENT CHARACTER: what stands for text that could not be decoded.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>The reason given for a '%' that does not start an escape.</summary>
    public const string MalformedEscape = "has a % that is not followed by two hex digits (send a % as %25)";

    /// <summary>The reason given for escapes whose bytes are not UTF-8.</summary>
    public const string NotUtf8 = "has percent-escapes whose bytes are not UTF-8 (RFC 3629)";

    /// <summary>The reason given for U+FFFD in text that was decoded elsewhere (API Gateway's REST API decodes the query string).</summary>
    public const string HasReplacement = "contains U+FFFD, the character that stands for bytes that could not be decoded: send UTF-8 text, percent-encoded";

    /// <summary>The pairs of <paramref name="text"/> (a query string without its '?', or a form body), in order; empty pairs (<c>&amp;&amp;</c>) are skipped.</summary>
    public static IReadOnlyList<FormPair> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pairs = new List<FormPair>();
        foreach (var part in text.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var (name, nameFault) = Decode(equals < 0 ? part : part[..equals]);
            var (value, valueFault) = equals < 0 ? ("", null) : Decode(part[(equals + 1)..]);
            pairs.Add(new FormPair(name, value, nameFault, valueFault));
        }

        return pairs;
    }

    /// <summary>The fault of text decoded by someone else: <see cref="HasReplacement"/> when it holds U+FFFD, else null.</summary>
    public static string? FaultOfDecoded(string? text) =>
        text is not null && text.Contains(Replacement, StringComparison.Ordinal) ? HasReplacement : null;

    private static (string Text, string? Fault) Decode(string component)
    {
        string? fault = null;
        var escaped = component;
        if (component.Contains('%', StringComparison.Ordinal))
        {
            // A '%' that starts no escape becomes the escaped bytes of U+FFFD, so the platform's decoder below gives U+FFFD for it.
            var builder = new StringBuilder(component.Length + 8);
            for (var i = 0; i < component.Length; i++)
            {
                var c = component[i];
                if (c == '%' && !(i + 2 < component.Length && Uri.IsHexDigit(component[i + 1]) && Uri.IsHexDigit(component[i + 2])))
                {
                    fault = MalformedEscape;
                    builder.Append("%EF%BF%BD");
                }
                else
                {
                    builder.Append(c);
                }
            }

            escaped = builder.ToString();
        }

        // WebUtility decodes '+' and %XX to bytes; the bytes are then checked as UTF-8 as a whole.
        var raw = Encoding.UTF8.GetBytes(escaped);
        var bytes = WebUtility.UrlDecodeToBytes(raw, 0, raw.Length);
        if (fault is null && !Utf8.IsValid(bytes))
        {
            fault = NotUtf8;
        }

        var text = Encoding.UTF8.GetString(bytes);
        return (text, fault ?? FaultOfDecoded(text));
    }
}
