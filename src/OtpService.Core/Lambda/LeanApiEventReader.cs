using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// The handlers' reader of the API Gateway proxy event (REST API v1 and HTTP API v2; AWS's
/// "Input format of a Lambda function for proxy integration" and "Working with AWS Lambda proxy
/// integrations for HTTP APIs"). It walks the event with <see cref="Utf8JsonReader"/> and
/// materializes only what the routes read: the method, the route's path fields, the body and
/// isBase64Encoded, the query string (only the map <see cref="RequestFields"/> reads: REST's
/// multiValueQueryStringParameters when present, else queryStringParameters; HTTP API's
/// rawQueryString when not empty), version, requestContext's requestId, domainName, stage,
/// resourcePath, identity.sourceIp and http.method/sourceIp, and of the headers only
/// Content-Type, Accept-Language and the configured client-IP header
/// (<see cref="Rules.OtpSettings.ClientIpHeader"/>), each resolved as
/// <see cref="RequestFields.Header"/> resolves it over both header maps (case-insensitive name;
/// <c>headers</c> before <c>multiValueHeaders</c>, the first value of a list).
/// <para>
/// Every other field of the returned <see cref="ApiGatewayRequest"/> is null: an action that
/// needs another part of the event must be added here. Its answers are those of
/// <see cref="ApiEventReader"/> (the full source-generated parse) for the same bytes: the walk
/// checks every field the full parse types (so an event that parse refuses is not accepted here),
/// and any event it does not read plainly (a field of another JSON type, a string that is not
/// text, a field or header given twice, an escaped property name, bytes after the event, JSON that
/// is not) is handed to <see cref="ApiEventReader.Read"/>, whose answer is returned as is.
/// Test: LeanApiEventReaderTests (agreement with the full parse on AWS's sample events, edge
/// events and random ones).
/// </para>
/// </summary>
public sealed class LeanApiEventReader
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    // Values common enough to share rather than allocate: methods, the routes, the template's stage, the payload versions.
    private static readonly string[] Known = ["GET", "POST", "/otp/generate", "/otp/verify", Routes.JwksPath, "Prod", "2.0", "1.0"];
    private static readonly byte[][] KnownUtf8 = [.. Known.Select(Encoding.UTF8.GetBytes)];

    private readonly string[] _headers;

    /// <param name="clientIpHeader">The configured client-IP header (OTP_CLIENT_IP_HEADER), kept besides Content-Type and Accept-Language; null for none.</param>
    public LeanApiEventReader(string? clientIpHeader)
    {
        ClientIpHeader = clientIpHeader;
        _headers = clientIpHeader is null || Same(clientIpHeader, ContentType) || Same(clientIpHeader, AcceptLanguage)
            ? [ContentType, AcceptLanguage]
            : [ContentType, AcceptLanguage, clientIpHeader];
        Reader = Read;
    }

    /// <summary>The header names kept by every reader.</summary>
    public const string ContentType = "content-type";

    /// <inheritdoc cref="ContentType"/>
    public const string AcceptLanguage = "accept-language";

    /// <summary>The client-IP header this reader keeps, or null.</summary>
    public string? ClientIpHeader { get; }

    /// <summary><see cref="Read"/> as a delegate, made once.</summary>
    public SpanReader<(ApiGatewayRequest? Request, InvalidRequest? Error)> Reader { get; }

    /// <summary>The event's fields the routes read, or null with the reason (the same as <see cref="ApiEventReader.Read"/> gives).</summary>
    public (ApiGatewayRequest? Request, InvalidRequest? Error) Read(ReadOnlySpan<byte> json)
    {
        try
        {
            if (Walk(json) is { } request)
            {
                return (request, null);
            }
        }
        catch (JsonException)
        {
            // Not JSON as the full parse reads it: it names what is wrong.
        }
        catch (InvalidOperationException)
        {
            // A string that is not text: the full parse names the part it came from.
        }

        return ApiEventReader.Read(json);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>What a header map said of one kept header: how many names matched, and the value of the (one) match.</summary>
    private struct HeaderHit
    {
        public int InHeaders;
        public string? HeadersValue;
        public int InMulti;
        public string? MultiFirst;
        public bool MultiHasValue;
    }

    /// <summary>One <see cref="HeaderHit"/> for each kept header (at most three), on the stack.</summary>
    [System.Runtime.CompilerServices.InlineArray(3)]
    private struct HeaderHits
    {
        private HeaderHit _hit;
    }

    /// <summary>The request, or null when the event is not read plainly (the full parse decides).</summary>
    private ApiGatewayRequest? Walk(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var kept = default(HeaderHits);
        Span<HeaderHit> hits = kept;
        hits = hits[.._headers.Length];
        var request = new ApiGatewayRequest();
        var seen = 0;
        int singles = -1, multis = -1;
        bool hasSingles = false, hasMultis = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return null;
            }

            var field = Top(ref reader);
            if (field >= 0 && !Once(ref seen, field))
            {
                return null;
            }

            reader.Read();
            switch (field)
            {
                case 0:
                    if (!TryText(ref reader, out var version)) return null;
                    request.Version = version;
                    break;
                case 1:
                    if (!TryText(ref reader, out var resource)) return null;
                    request.Resource = resource;
                    break;
                case 2:
                    if (!TryText(ref reader, out var path)) return null;
                    request.Path = path;
                    break;
                case 3:
                    if (!TryText(ref reader, out var rawPath)) return null;
                    request.RawPath = rawPath;
                    break;
                case 4:
                    if (!TryText(ref reader, out var routeKey)) return null;
                    request.RouteKey = routeKey;
                    break;
                case 5:
                    if (!TryText(ref reader, out var method)) return null;
                    request.HttpMethod = method;
                    break;
                case 6:
                    if (!WalkHeaders(ref reader, hits, multi: false)) return null;
                    break;
                case 7:
                    if (!WalkHeaders(ref reader, hits, multi: true)) return null;
                    break;
                case 8:
                    singles = (int)reader.TokenStartIndex;
                    hasSingles = reader.TokenType == JsonTokenType.StartObject;
                    if (!CheckMap(ref reader, multi: false)) return null;
                    break;
                case 9:
                    multis = (int)reader.TokenStartIndex;
                    hasMultis = reader.TokenType == JsonTokenType.StartObject;
                    if (!CheckMap(ref reader, multi: true)) return null;
                    break;
                case 10:
                    if (!TryText(ref reader, out var raw)) return null;
                    request.RawQueryString = raw;
                    break;
                case 11 or 12:
                    if (!CheckMap(ref reader, multi: false)) return null;
                    break;
                case 13:
                    if (!CheckList(ref reader, nullItems: false)) return null;
                    break;
                case 14:
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        request.RequestContext = null;
                    }
                    else if (reader.TokenType != JsonTokenType.StartObject || WalkContext(ref reader) is not { } context)
                    {
                        return null;
                    }
                    else
                    {
                        request.RequestContext = context;
                    }

                    break;
                case 15:
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        request.Body = reader.GetString();
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return null;
                    }

                    break;
                case 16:
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return null;
                    request.IsBase64Encoded = reader.TokenType == JsonTokenType.True;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        // The root object has ended; nothing but whitespace and comments may follow it.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        // Only the query map RequestFields reads is made.
        var useMulti = !request.IsHttpApiV2 && hasMultis;
        var useSingles = request.IsHttpApiV2 ? string.IsNullOrEmpty(request.RawQueryString) && hasSingles : !hasMultis && hasSingles;
        if (useMulti)
        {
            request.MultiValueQueryStringParameters = ReadMultiMap(json[multis..]);
        }
        else if (useSingles)
        {
            request.QueryStringParameters = ReadMap(json[singles..]);
        }

        for (var i = 0; i < _headers.Length; i++)
        {
            ref var hit = ref hits[i];
            if (hit.InHeaders == 1)
            {
                (request.Headers ??= new Dictionary<string, string?>(_headers.Length, StringComparer.Ordinal))[_headers[i]] = hit.HeadersValue;
            }
            else if (hit.InMulti == 1 && hit.MultiHasValue)
            {
                (request.Headers ??= new Dictionary<string, string?>(_headers.Length, StringComparer.Ordinal))[_headers[i]] = hit.MultiFirst;
            }
        }

        return request;
    }

    /// <summary>Sets <paramref name="field"/>'s bit; false when it was set (a field given twice: the full parse decides which counts).</summary>
    private static bool Once(ref int seen, int field)
    {
        var bit = 1 << field;
        if ((seen & bit) != 0)
        {
            return false;
        }

        seen |= bit;
        return true;
    }

    private static int Top(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("version"u8) ? 0
        : reader.ValueTextEquals("resource"u8) ? 1
        : reader.ValueTextEquals("path"u8) ? 2
        : reader.ValueTextEquals("rawPath"u8) ? 3
        : reader.ValueTextEquals("routeKey"u8) ? 4
        : reader.ValueTextEquals("httpMethod"u8) ? 5
        : reader.ValueTextEquals("headers"u8) ? 6
        : reader.ValueTextEquals("multiValueHeaders"u8) ? 7
        : reader.ValueTextEquals("queryStringParameters"u8) ? 8
        : reader.ValueTextEquals("multiValueQueryStringParameters"u8) ? 9
        : reader.ValueTextEquals("rawQueryString"u8) ? 10
        : reader.ValueTextEquals("pathParameters"u8) ? 11
        : reader.ValueTextEquals("stageVariables"u8) ? 12
        : reader.ValueTextEquals("cookies"u8) ? 13
        : reader.ValueTextEquals("requestContext"u8) ? 14
        : reader.ValueTextEquals("body"u8) ? 15
        : reader.ValueTextEquals("isBase64Encoded"u8) ? 16
        : -1;

    private static ApiGatewayRequestContext? WalkContext(ref Utf8JsonReader reader)
    {
        var context = new ApiGatewayRequestContext();
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return null;
            }

            var field =
                reader.ValueTextEquals("requestId"u8) ? 0
                : reader.ValueTextEquals("domainName"u8) ? 1
                : reader.ValueTextEquals("stage"u8) ? 2
                : reader.ValueTextEquals("resourcePath"u8) ? 3
                : reader.ValueTextEquals("identity"u8) ? 4
                : reader.ValueTextEquals("http"u8) ? 5
                : reader.ValueTextEquals("accountId"u8) ? 6
                : reader.ValueTextEquals("apiId"u8) ? 7
                : reader.ValueTextEquals("httpMethod"u8) ? 8
                : reader.ValueTextEquals("path"u8) ? 9
                : reader.ValueTextEquals("protocol"u8) ? 10
                : reader.ValueTextEquals("requestTimeEpoch"u8) ? 11
                : reader.ValueTextEquals("timeEpoch"u8) ? 12
                : -1;
            if (field >= 0 && !Once(ref seen, field))
            {
                return null;
            }

            reader.Read();
            switch (field)
            {
                case 0:
                    if (!TryText(ref reader, out var requestId)) return null;
                    context.RequestId = requestId;
                    break;
                case 1:
                    if (!TryText(ref reader, out var domain)) return null;
                    context.DomainName = domain;
                    break;
                case 2:
                    if (!TryText(ref reader, out var stage)) return null;
                    context.Stage = stage;
                    break;
                case 3:
                    if (!TryText(ref reader, out var resourcePath)) return null;
                    context.ResourcePath = resourcePath;
                    break;
                case 4 or 5:
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        if (field == 4) context.Identity = null;
                        else context.Http = null;
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject || !WalkCaller(ref reader, field == 4, out var method, out var sourceIp))
                    {
                        return null;
                    }

                    if (field == 4)
                    {
                        context.Identity = new ApiGatewayIdentity { SourceIp = sourceIp };
                    }
                    else
                    {
                        context.Http = new HttpApiRequestLine { Method = method, SourceIp = sourceIp };
                    }

                    break;
                case 6 or 7 or 8 or 9 or 10:
                    if (!IsTextOrNull(ref reader)) return null;
                    break;
                case 11 or 12:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out _)) return null;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject ? context : null;
    }

    /// <summary>requestContext.identity (REST: sourceIp, userAgent) or requestContext.http (HTTP API: method, path, protocol, sourceIp, userAgent).</summary>
    private static bool WalkCaller(ref Utf8JsonReader reader, bool identity, out string? method, out string? sourceIp)
    {
        method = null;
        sourceIp = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var field =
                reader.ValueTextEquals("sourceIp"u8) ? 0
                : reader.ValueTextEquals("userAgent"u8) ? 1
                : identity ? -1
                : reader.ValueTextEquals("method"u8) ? 2
                : reader.ValueTextEquals("path"u8) ? 3
                : reader.ValueTextEquals("protocol"u8) ? 4
                : -1;
            if (field >= 0 && !Once(ref seen, field))
            {
                return false;
            }

            reader.Read();
            switch (field)
            {
                case 0:
                    if (!TryText(ref reader, out sourceIp)) return false;
                    break;
                case 2:
                    if (!TryText(ref reader, out method)) return false;
                    break;
                case 1 or 3 or 4:
                    if (!IsTextOrNull(ref reader)) return false;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>
    /// One header map, checked whole (every name and value text, every value a string or null; in
    /// <c>multiValueHeaders</c> a list or null), the kept headers noted. A kept header's name matched
    /// twice in one map (a duplicate, or two spellings) returns false: the full parse decides.
    /// </summary>
    private bool WalkHeaders(ref Utf8JsonReader reader, scoped Span<HeaderHit> hits, bool multi)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var kept = KeptHeader(ref reader);
            reader.Read();
            if (kept < 0)
            {
                if (!(multi ? IsListOrNull(ref reader) : IsTextOrNull(ref reader)))
                {
                    return false;
                }

                continue;
            }

            ref var hit = ref hits[kept];
            if (!multi)
            {
                if (++hit.InHeaders > 1 || !TryText(ref reader, out hit.HeadersValue))
                {
                    return false;
                }

                continue;
            }

            if (++hit.InMulti > 1)
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (hit.MultiHasValue)
                {
                    if (!IsTextOrNull(ref reader)) return false;
                }
                else
                {
                    if (!TryText(ref reader, out hit.MultiFirst)) return false;
                    hit.MultiHasValue = true;
                }
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>The index of the kept header the property name at the reader is (case-insensitive, as string.Equals OrdinalIgnoreCase), or -1; throws when the name is not text.</summary>
    private int KeptHeader(ref Utf8JsonReader reader)
    {
        // The event is one span, so a value is never a sequence.
        var name = reader.ValueSpan;
        if (!reader.ValueIsEscaped && System.Text.Ascii.IsValid(name))
        {
            for (var i = 0; i < _headers.Length; i++)
            {
                if (System.Text.Ascii.EqualsIgnoreCase(name, _headers[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        // Escaped or not ASCII (rare): compare as the full parse's lookup does, on the decoded name.
        var text = reader.GetString()!;
        for (var i = 0; i < _headers.Length; i++)
        {
            if (Same(text, _headers[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A map of names to strings (or, <paramref name="multi"/>, to lists of strings), checked without keeping it.</summary>
    private static bool CheckMap(ref Utf8JsonReader reader, bool multi)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!IsText(ref reader))
            {
                return false;
            }

            reader.Read();
            if (!(multi ? IsListOrNull(ref reader) : IsTextOrNull(ref reader)))
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool IsListOrNull(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null || CheckList(ref reader, nullItems: true);

    private static bool CheckList(ref Utf8JsonReader reader, bool nullItems)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null ? !nullItems : !IsText(ref reader))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsTextOrNull(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null || IsText(ref reader);

    /// <summary>True when the token is a string (or property name) that decodes to text, as <see cref="Utf8JsonReader.GetString"/> would, without making the string.</summary>
    private static bool IsText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            return false;
        }

        if (!reader.ValueIsEscaped)
        {
            return System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
        }

        // Unescaped text is never longer, in UTF-16 code units, than its escaped UTF-8 bytes.
        var rented = ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            reader.CopyString(rented);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>A string or null value; false for any other token. Throws, as GetString does, when the string is not text.</summary>
    private static bool TryText(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (!reader.ValueIsEscaped)
        {
            for (var i = 0; i < KnownUtf8.Length; i++)
            {
                if (reader.ValueSpan.SequenceEqual(KnownUtf8[i]))
                {
                    value = Known[i];
                    return true;
                }
            }
        }

        value = reader.GetString();
        return true;
    }

    /// <summary>The map that starts at <paramref name="json"/>'s first byte, checked before; the same dictionary the full parse makes.</summary>
    private static Dictionary<string, string?>? ReadMap(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, Options);
        reader.Read();
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            TryText(ref reader, out var value);
            map[name] = value;
        }

        return map;
    }

    /// <inheritdoc cref="ReadMap"/>
    private static Dictionary<string, List<string?>?>? ReadMultiMap(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, Options);
        reader.Read();
        var map = new Dictionary<string, List<string?>?>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            List<string?>? list = null;
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                list = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    TryText(ref reader, out var value);
                    list.Add(value);
                }
            }

            map[name] = list;
        }

        return map;
    }
}
