using System.Text.Json;

namespace OtpService.Core.Lambda;

/// <summary>
/// Reads the API Gateway proxy event (REST v1 or HTTP API v2). An event that is not one is
/// refused naming "event"; one that is, but holds a string that is not text (bytes that are not
/// UTF-8, or an unpaired surrogate escape, which System.Text.Json will not turn into a string),
/// is refused naming the part of the request it came from: the header, the query parameter, the
/// body or the path, as the client sent it.
/// </summary>
public static class ApiEventReader
{
    /// <summary>The event, or null with the reason.</summary>
    public static (ApiGatewayRequest? Request, InvalidRequest? Error) Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, LambdaJsonContext.Default.ApiGatewayRequest) is { } request
                ? (request, null)
                : (null, NotAnEvent);
        }
        catch (JsonException)
        {
            return (null, Unreadable(json) ?? NotAnEvent);
        }
    }

    private static readonly InvalidRequest NotAnEvent = new("event", "is not an API Gateway proxy event");

    /// <summary>The first string of the event that is not text, named as the request part it holds; null when every string is text.</summary>
    private static InvalidRequest? Unreadable(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        // The property name at each depth; null inside an array.
        var names = new List<string?>();
        try
        {
            while (reader.Read())
            {
                var depth = reader.CurrentDepth;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (!RequestFields.TryGetString(ref reader, out var name))
                        {
                            return new InvalidRequest(Part(names, depth - 1, nameOfValue: false), RequestFields.NotUnicode);
                        }

                        Set(names, depth, name);
                        break;
                    case JsonTokenType.StartArray:
                        Set(names, depth + 1, null);
                        break;
                    case JsonTokenType.String when !RequestFields.TryGetString(ref reader, out _):
                        return new InvalidRequest(Part(names, depth, nameOfValue: true), RequestFields.NotUnicode);
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: no part to name.
        }

        return null;
    }

    private static void Set(List<string?> names, int depth, string? name)
    {
        while (names.Count <= depth)
        {
            names.Add(null);
        }

        names[depth] = name;
    }

    /// <summary>
    /// The request part at <c>names[1..depth]</c>: the header or query parameter named there (when
    /// <paramref name="nameOfValue"/>, else its map, whose key was unreadable), the body, the path,
    /// the query string; "event" for the parts API Gateway writes itself.
    /// </summary>
    private static string Part(List<string?> names, int depth, bool nameOfValue)
    {
        string? At(int i) => i <= depth && i < names.Count ? names[i] : null;
        var key = nameOfValue ? At(2) : null;
        return At(1) switch
        {
            "body" => "body",
            "rawQueryString" => "query string",
            "queryStringParameters" or "multiValueQueryStringParameters" => key ?? "query string",
            "headers" or "multiValueHeaders" => key ?? "headers",
            "cookies" => "Cookie",
            "path" or "rawPath" or "resource" or "pathParameters" => "path",
            "requestContext" when At(3) == "userAgent" => "User-Agent",
            "requestContext" when At(2) == "path" || At(3) == "path" => "path",
            _ => "event",
        };
    }
}
