using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// The fields of a request, from the query string (GET, as the seed) or a JSON or form body
/// (POST, which keeps codes out of URLs and access logs). A field given twice is refused. Every
/// name and value must be readable text: query strings and form bodies follow one decoding rule
/// (<see cref="FormUrlEncoding"/>); a JSON body must be UTF-8 (RFC 8259 section 8.1) with no
/// unpaired surrogate escape; a body declared in another charset is refused. Whatever cannot be
/// read is a 400 naming the field, or "body" / "query string" when its name cannot be read.
/// </summary>
public sealed class RequestFields
{
    public const int MaxBodyBytes = 4096;
    private readonly Dictionary<string, string> _values;
    // Only otp may come as a JSON number, so one flag says which fields did.
    private readonly bool _otpIsJsonNumber;

    private RequestFields(Dictionary<string, string> values, bool otpIsJsonNumber, ApiGatewayRequest request)
    {
        _values = values;
        _otpIsJsonNumber = otpIsJsonNumber;
        Request = request;
    }

    /// <summary>The event the fields came from (its method, headers and request context).</summary>
    public ApiGatewayRequest Request { get; }

    /// <summary>The request's HTTP method, upper case.</summary>
    public string Method => (Request.Method ?? "GET").ToUpperInvariant();

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>True when the field came as a JSON number; its value is then the number's literal text (RFC 8259 §6).</summary>
    public bool IsJsonNumber(string name) => _otpIsJsonNumber && name == OtpFields.Otp;

    public static RequestFields? TryRead(ApiGatewayRequest request, out InvalidRequest? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var otpIsJsonNumber = false;
        var method = request.Method ?? "GET";
        error = method.ToUpperInvariant() switch
        {
            "GET" => ReadQuery(request, values),
            "POST" => ReadQuery(request, values) ?? ReadBody(request, values, ref otpIsJsonNumber),
            _ => new InvalidRequest("method", $"{method} is not allowed; use GET or POST"),
        };
        return error is null ? new RequestFields(values, otpIsJsonNumber, request) : null;
    }

    /// <summary>
    /// The query string, decoded with '+' as a space (HTML's form encoding, which API Gateway's REST
    /// API has already applied to queryStringParameters). A space is never valid in an address, so
    /// one inside email_address was a '+' the client did not percent-encode
    /// (<c>?email_address=bob+news@example.com</c>) and is read as '+'. Spaces around it stay, to be trimmed.
    /// </summary>
    private static InvalidRequest? ReadQuery(ApiGatewayRequest request, Dictionary<string, string> values)
    {
        var error = ReadQueryPairs(request, values);
        if (error is null && values.TryGetValue(OtpFields.EmailAddress, out var address))
        {
            var first = address.AsSpan().IndexOfAnyExcept(' ');
            var last = address.AsSpan().LastIndexOfAnyExcept(' ');
            if (first >= 0 && address.Contains(' ', StringComparison.Ordinal))
            {
                values[OtpFields.EmailAddress] = string.Concat(address.AsSpan(0, first), address[first..(last + 1)].Replace(' ', '+'), address.AsSpan(last + 1));
            }
        }

        return error;
    }

    private static InvalidRequest? ReadQueryPairs(ApiGatewayRequest request, Dictionary<string, string> values)
    {
        if (request.IsHttpApiV2)
        {
            // HTTP API joins repeated parameters with commas in queryStringParameters; the raw string keeps them apart.
            return request.RawQueryString is { Length: > 0 } raw
                ? AddPairs(FormUrlEncoding.Parse(raw), values, "query string")
                : AddSingles(request.QueryStringParameters, values, "query string");
        }

        // REST API: API Gateway has decoded the query string; what it could not decode shows as U+FFFD.
        if (request.MultiValueQueryStringParameters is { } multi)
        {
            foreach (var (name, list) in multi)
            {
                if (list is { Count: > 1 })
                {
                    return Decoded(name, list, "query string") ?? Refuse(name, "query string", "is given more than once");
                }

                if (Add(values, name, list is { Count: 1 } ? list[0] : null, "query string") is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        return AddSingles(request.QueryStringParameters, values, "query string");
    }

    private static InvalidRequest? ReadBody(ApiGatewayRequest request, Dictionary<string, string> values, ref bool otpIsJsonNumber)
    {
        if (string.IsNullOrEmpty(request.Body))
        {
            return null;
        }

        byte[] body;
        try
        {
            body = request.IsBase64Encoded ? Convert.FromBase64String(request.Body) : Encoding.UTF8.GetBytes(request.Body);
        }
        catch (FormatException)
        {
            return new InvalidRequest("body", "is not valid base64");
        }

        if (body.Length > MaxBodyBytes)
        {
            return new InvalidRequest("body", $"is larger than {MaxBodyBytes} bytes");
        }

        var header = Header(request, "content-type");
        // A trailing ';' (some clients send "application/json;") is no parameter; the parser refuses it.
        if (!MediaTypeHeaderValue.TryParse(header?.TrimEnd().TrimEnd(';'), out var mediaType) || mediaType.MediaType is null)
        {
            return header is null
                ? new InvalidRequest("body", $"must be sent as {JsonType} or {FormType}: the request has no Content-Type")
                : new InvalidRequest("body", $"has a Content-Type that is not a media type (RFC 9110 section 8.3): send {JsonType} or {FormType}");
        }

        // A charset parameter without a value (which the parser lets through) names no charset either.
        if (mediaType.Parameters.FirstOrDefault(p => string.Equals(p.Name, "charset", StringComparison.OrdinalIgnoreCase)) is { } charset
            && !IsUtf8Label(charset.Value?.Trim('"') ?? ""))
        {
            return new InvalidRequest("body", "must be UTF-8: the Content-Type names another charset (send charset=utf-8, or none)");
        }

        return mediaType.MediaType.ToLowerInvariant() switch
        {
            JsonType => ReadJson(body, values, ref otpIsJsonNumber),
            FormType => ReadForm(body, values),
            _ => new InvalidRequest("body", $"must be sent as {JsonType} or {FormType}"),
        };
    }

    private const string JsonType = "application/json";
    private const string FormType = "application/x-www-form-urlencoded";

    /// <summary>The WHATWG Encoding Standard's labels of UTF-8 (section 4.2), matched case-insensitively.</summary>
    private static bool IsUtf8Label(string charset) =>
        charset.ToLowerInvariant() is "utf-8" or "utf8" or "unicode-1-1-utf-8" or "unicode11utf8" or "unicode20utf8" or "x-unicode20utf8";

    private static InvalidRequest? ReadJson(byte[] body, Dictionary<string, string> values, ref bool otpIsJsonNumber)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new InvalidRequest("body", "must be a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!TryGetString(ref reader, out var name))
                {
                    return new InvalidRequest("body", $"has a property name that {NotUnicode}");
                }

                reader.Read();
                if (!seen.Add(name))
                {
                    return Refuse(name, "body", "is given more than once");
                }

                if (reader.TokenType == JsonTokenType.Number && name == OtpFields.Otp)
                {
                    // Many clients send a code as a number; its literal text lets the code rule tell a lost leading zero.
                    otpIsJsonNumber = true;
                    if (Add(values, name, Encoding.UTF8.GetString(reader.ValueSpan), "body") is { } numberError)
                    {
                        return numberError;
                    }

                    continue;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    if (SkipReadable(ref reader, name) is { } unreadable)
                    {
                        return unreadable;
                    }

                    if (IsKnownField(name))
                    {
                        return new InvalidRequest(name, "must be a JSON string");
                    }

                    continue;
                }

                if (!TryGetString(ref reader, out var value))
                {
                    return RefuseUnreadable(name, "body", NotUnicode);
                }

                if (Add(values, name, value, "body") is { } error)
                {
                    return error;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read()
                ? null
                : new InvalidRequest("body", "is not valid JSON");
        }
        catch (JsonException)
        {
            return new InvalidRequest("body", "is not valid JSON");
        }
    }

    /// <summary>The reason given for a JSON string that is not text.</summary>
    internal const string NotUnicode = "is not valid Unicode text: a JSON string must be UTF-8, with no unpaired surrogate escape such as \\ud800 (RFC 8259 section 8)";

    /// <summary>
    /// The string at the reader, or false when it is not text: bytes that are not UTF-8 or an unpaired
    /// surrogate escape (<see cref="Utf8JsonReader.GetString"/> throws InvalidOperationException for both, as documented).
    /// </summary>
    internal static bool TryGetString(ref Utf8JsonReader reader, out string value)
    {
        try
        {
            value = reader.GetString() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return false;
        }
    }

    /// <summary>Skips the value at the reader (an unknown field's object or array, or a scalar), checking that every string in it is text.</summary>
    private static InvalidRequest? SkipReadable(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return null;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
            {
                if (!TryGetString(ref reader, out var text))
                {
                    return RefuseUnreadable(name, "body", NotUnicode);
                }

                if (FormUrlEncoding.FaultOfDecoded(text) is { } fault)
                {
                    return RefuseUnreadable(name, "body", fault);
                }
            }
        }

        return null;
    }

    private static InvalidRequest? ReadForm(byte[] body, Dictionary<string, string> values)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return new InvalidRequest("body", "is not valid UTF-8");
        }

        var error = AddPairs(FormUrlEncoding.Parse(text), values, "body");
        // In a form body '+' is a space by definition (HTML's application/x-www-form-urlencoded), and
        // form encoders send a typed '+' as %2B; a space inside the address means the client did not.
        return error is null && values.TryGetValue(OtpFields.EmailAddress, out var address) && address.Trim().Contains(' ', StringComparison.Ordinal)
            ? new InvalidRequest(OtpFields.EmailAddress, "must not contain spaces (in a form body a + stands for a space: send a + as %2B)")
            : error;
    }

    /// <summary>Pairs decoded by <see cref="FormUrlEncoding"/>: the first undecodable name or value is refused, then any name given twice.</summary>
    private static InvalidRequest? AddPairs(IReadOnlyList<FormPair> pairs, Dictionary<string, string> values, string source)
    {
        foreach (var pair in pairs)
        {
            if (pair.NameFault is { } nameFault)
            {
                return new InvalidRequest(source, $"has a name that {nameFault}");
            }

            if (pair.ValueFault is { } valueFault)
            {
                return RefuseUnreadable(pair.Name, source, valueFault);
            }
        }

        foreach (var group in pairs.GroupBy(p => p.Name, StringComparer.Ordinal))
        {
            if (group.Count() > 1)
            {
                return Refuse(group.Key, source, "is given more than once");
            }

            if (Add(values, group.Key, group.First().Value, source) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>A fault in text API Gateway decoded (a name, or any of its values): U+FFFD where bytes could not be decoded.</summary>
    private static InvalidRequest? Decoded(string name, string? text, string source) =>
        FormUrlEncoding.FaultOfDecoded(name) is { } nameFault
            ? new InvalidRequest(source, $"has a name that {nameFault}")
            : FormUrlEncoding.FaultOfDecoded(text) is { } fault
                ? RefuseUnreadable(name, source, fault)
                : null;

    /// <inheritdoc cref="Decoded(string, string?, string)"/>
    private static InvalidRequest? Decoded(string name, IEnumerable<string?> texts, string source) =>
        FormUrlEncoding.FaultOfDecoded(name) is { } nameFault
            ? new InvalidRequest(source, $"has a name that {nameFault}")
            : texts.Select(FormUrlEncoding.FaultOfDecoded).FirstOrDefault(f => f is not null) is { } fault
                ? RefuseUnreadable(name, source, fault)
                : null;

    private static InvalidRequest? AddSingles(Dictionary<string, string?>? pairs, Dictionary<string, string> values, string source)
    {
        foreach (var (name, value) in pairs ?? [])
        {
            if (Add(values, name, value, source) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static InvalidRequest? Add(Dictionary<string, string> values, string name, string? value, string source)
    {
        if (Decoded(name, value, source) is { } undecodable)
        {
            return undecodable;
        }

        if (!IsKnownField(name))
        {
            return null;
        }

        return values.TryAdd(name, value ?? "") ? null : new InvalidRequest(name, $"is given more than once (also in the {source})");
    }

    /// <summary>
    /// The refusal of bytes that are not text in <paramref name="name"/>'s value. A person
    /// types the address and the code on the page, so for those the words say what to do and the
    /// technical reason goes to the log line; other fields are only sent by programs, which are told the rule.
    /// </summary>
    private static InvalidRequest RefuseUnreadable(string name, string source, string reason) =>
        name is OtpFields.EmailAddress or OtpFields.Otp ? new(name, Unreadable, reason) : Refuse(name, source, reason);

    /// <summary>Refuses the field <paramref name="name"/>, or, when the client sent it with an empty name, the part it came in.</summary>
    private static InvalidRequest Refuse(string name, string source, string reason) => new(name.Length > 0 ? name : source, reason);

    /// <summary>The reason a person is given for a value with bytes that are not text (a lone surrogate, an undecodable escape).</summary>
    internal const string Unreadable = "has a character that could not be read; type it in again instead of pasting it";

    private static bool IsKnownField(string name) => name is OtpFields.EmailAddress or OtpFields.Otp or OtpFields.VerificationId or OtpFields.Locale;

    /// <summary>The first value of a header, matched case-insensitively in either header map; null when absent.</summary>
    public static string? Header(ApiGatewayRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var (key, value) in request.Headers ?? [])
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        foreach (var (key, list) in request.MultiValueHeaders ?? [])
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase) && list is { Count: > 0 })
            {
                return list[0];
            }
        }

        return null;
    }
}
