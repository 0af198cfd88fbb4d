using System.Collections.Specialized;
using System.Text;
using System.Text.Json;
using System.Web;
using OtpService.Core.Contracts;

namespace OtpService.Core.Api;

/// <summary>A request the service refuses, naming the field and the reason (answered as 400 invalid_request).</summary>
public sealed record InvalidRequest(string Field, string Reason)
{
    public string Message => $"{Field} {Reason}";
}

/// <summary>
/// The fields of a request, from the query string (GET, as the seed) or a JSON or form body
/// (POST, which keeps codes out of URLs and access logs). A field given twice is refused.
/// </summary>
public sealed class RequestFields
{
    public const int MaxBodyBytes = 4096;
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _jsonNumbers;

    private RequestFields(Dictionary<string, string> values, HashSet<string> jsonNumbers, ApiGatewayRequest request)
    {
        _values = values;
        _jsonNumbers = jsonNumbers;
        Request = request;
    }

    /// <summary>The event the fields came from (its method, headers and request context).</summary>
    public ApiGatewayRequest Request { get; }

    /// <summary>The request's HTTP method, upper case.</summary>
    public string Method => (Request.Method ?? "GET").ToUpperInvariant();

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>True when the field came as a JSON number; its value is then the number's literal text (RFC 8259 §6).</summary>
    public bool IsJsonNumber(string name) => _jsonNumbers.Contains(name);

    public static RequestFields? TryRead(ApiGatewayRequest request, out InvalidRequest? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var jsonNumbers = new HashSet<string>(StringComparer.Ordinal);
        var method = request.Method ?? "GET";
        error = method.ToUpperInvariant() switch
        {
            "GET" => ReadQuery(request, values),
            "POST" => ReadQuery(request, values) ?? ReadBody(request, values, jsonNumbers),
            _ => new InvalidRequest("method", $"{method} is not allowed; use GET or POST"),
        };
        return error is null ? new RequestFields(values, jsonNumbers, request) : null;
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
            if (first >= 0)
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
                ? AddAll(HttpUtility.ParseQueryString(raw), values, "query string")
                : AddSingles(request.QueryStringParameters, values, "query string");
        }

        if (request.MultiValueQueryStringParameters is { } multi)
        {
            foreach (var (name, list) in multi)
            {
                if (list is { Count: > 1 })
                {
                    return new InvalidRequest(name, "is given more than once");
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

    private static InvalidRequest? ReadBody(ApiGatewayRequest request, Dictionary<string, string> values, HashSet<string> jsonNumbers)
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

        var contentType = Header(request, "content-type")?.Split(';')[0].Trim().ToLowerInvariant();
        return contentType switch
        {
            "application/json" => ReadJson(body, values, jsonNumbers),
            "application/x-www-form-urlencoded" => ReadForm(body, values),
            _ => new InvalidRequest("body", "must be sent as application/json or application/x-www-form-urlencoded"),
        };
    }

    private static InvalidRequest? ReadJson(byte[] body, Dictionary<string, string> values, HashSet<string> jsonNumbers)
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
                var name = reader.GetString()!;
                reader.Read();
                if (!seen.Add(name))
                {
                    return new InvalidRequest(name, "is given more than once");
                }

                if (reader.TokenType == JsonTokenType.Number && name == OtpFields.Otp)
                {
                    // Many clients send a code as a number; its literal text lets the code rule tell a lost leading zero.
                    jsonNumbers.Add(name);
                    if (Add(values, name, Encoding.UTF8.GetString(reader.ValueSpan), "body") is { } numberError)
                    {
                        return numberError;
                    }

                    continue;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    if (IsKnownField(name))
                    {
                        return new InvalidRequest(name, "must be a JSON string");
                    }

                    continue;
                }

                if (Add(values, name, reader.GetString(), "body") is { } error)
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

        var error = AddAll(HttpUtility.ParseQueryString(text), values, "body");
        // In a form body '+' is a space by definition (HTML's application/x-www-form-urlencoded), and
        // form encoders send a typed '+' as %2B; a space inside the address means the client did not.
        return error is null && values.TryGetValue(OtpFields.EmailAddress, out var address) && address.Trim().Contains(' ', StringComparison.Ordinal)
            ? new InvalidRequest(OtpFields.EmailAddress, "must not contain spaces (in a form body a + stands for a space: send a + as %2B)")
            : error;
    }

    private static InvalidRequest? AddAll(NameValueCollection pairs, Dictionary<string, string> values, string source)
    {
        foreach (var name in pairs.AllKeys)
        {
            var all = pairs.GetValues(name);
            if (name is null)
            {
                continue;
            }

            if (all is { Length: > 1 })
            {
                return new InvalidRequest(name, "is given more than once");
            }

            if (Add(values, name, all?[0], source) is { } error)
            {
                return error;
            }
        }

        return null;
    }

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
        if (!IsKnownField(name))
        {
            return null;
        }

        return values.TryAdd(name, value ?? "") ? null : new InvalidRequest(name, $"is given more than once (also in the {source})");
    }

    private static bool IsKnownField(string name) => name is OtpFields.EmailAddress or OtpFields.Otp or OtpFields.VerificationId;

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

/// <summary>The request field names, as the seed named them.</summary>
public static class OtpFields
{
    public const string EmailAddress = "email_address";
    public const string Otp = "otp";

    /// <summary>Verify's optional binding to the generate request (DESIGN.md); generate's answer names it <c>verificationId</c>.</summary>
    public const string VerificationId = "verification_id";
}
