using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>
/// An API response (status, JSON body, what the log line says of it) before it is shaped for API Gateway
/// (<see cref="ToApiGatewayResponse"/>). One word for one thing: <see cref="ApiResponses"/> makes them,
/// <see cref="ApiResponseBody"/> is the body, <see cref="ApiGatewayResponse"/> the proxy integration shape it is sent in.
/// </summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The response's JSON body (and what the log line reports as its outcome).</param>
public sealed record ApiResponse(int StatusCode, ApiResponseBody Body)
{
    /// <summary>Which limit refused the request ("address", "client", "budget", "code"), for the log line only; null when none did.</summary>
    public string? Limit { get; init; }

    /// <summary>Why the rule answered so, for the log line only (<see cref="VerifyOutcome.Note"/>); null when nothing to add.</summary>
    public string? Note { get; init; }

    /// <summary>A JSON document sent instead of <see cref="Body"/> (the JWKS); <see cref="Body"/> still names the outcome in the log.</summary>
    public string? Document { get; init; }

    /// <summary>The Cache-Control header: no-store for every answer about codes; public documents may be cached.</summary>
    public string CacheControl { get; init; } = "no-store";

    /// <summary>
    /// The Lambda proxy response (<see cref="ApiGatewayResponse"/>'s JSON: statusCode, headers, body,
    /// isBase64Encoded, as AWS's "Output format of a Lambda function for proxy integration") written
    /// straight into one array: the same bytes as <see cref="LambdaJson.Write{T}"/> of
    /// <see cref="ToApiGatewayResponse"/>, without the header dictionary, the body string and the response
    /// object. The writers are kept per thread and cleared after each answer (a 200's body holds a token).
    /// </summary>
    public Stream WriteResponse(string? corsAllowedOrigin = null)
    {
        var buffers = _buffers ??= new ResponseBuffers();
        try
        {
            var body = buffers.Body;
            var writer = buffers.Writer;
            if (Document is null)
            {
                writer.Reset(body);
                JsonSerializer.Serialize(writer, Body, LambdaJsonContext.Default.ApiResponseBody);
            }

            writer.Reset(buffers.Response);
            writer.WriteStartObject();
            writer.WriteNumber("statusCode"u8, StatusCode);
            writer.WriteStartObject("headers"u8);
            writer.WriteString("Content-Type"u8, "application/json"u8);
            writer.WriteString("Cache-Control"u8, CacheControl);
            writer.WriteString("X-Content-Type-Options"u8, "nosniff"u8);
            if (corsAllowedOrigin is not null)
            {
                writer.WriteString("Access-Control-Allow-Origin"u8, corsAllowedOrigin);
                writer.WriteString("Access-Control-Expose-Headers"u8, "Retry-After"u8);
            }

            if (Body.RetryAfterSeconds is { } retryAfter)
            {
                Span<byte> digits = stackalloc byte[11];
                retryAfter.TryFormat(digits, out var length, provider: CultureInfo.InvariantCulture);
                writer.WriteString("Retry-After"u8, digits[..length]);
            }

            writer.WriteEndObject();
            if (Document is null)
            {
                writer.WriteString("body"u8, body.WrittenSpan);
            }
            else
            {
                writer.WriteString("body"u8, Document);
            }

            writer.WriteBoolean("isBase64Encoded"u8, false);
            writer.WriteEndObject();
            writer.Flush();
            return new MemoryStream(buffers.Response.WrittenSpan.ToArray(), writable: false);
        }
        finally
        {
            buffers.Clear();
        }
    }

    [ThreadStatic]
    private static ResponseBuffers? _buffers;

    /// <summary>One thread's body and response buffers and their writer, reused answer after answer.</summary>
    private sealed class ResponseBuffers
    {
        public ArrayBufferWriter<byte> Body { get; } = new(512);

        public ArrayBufferWriter<byte> Response { get; } = new(1024);

        public Utf8JsonWriter Writer { get; } = new(Stream.Null);

        public void Clear()
        {
            Writer.Reset(Stream.Null);
            Body.Clear();
            Response.Clear();
        }
    }

    public ApiGatewayResponse ToApiGatewayResponse(string? corsAllowedOrigin = null)
    {
        var headers = new Dictionary<string, string>
        {
            ["Content-Type"] = "application/json",
            ["Cache-Control"] = CacheControl,
            ["X-Content-Type-Options"] = "nosniff",
        };
        if (corsAllowedOrigin is not null)
        {
            headers["Access-Control-Allow-Origin"] = corsAllowedOrigin;
            // Scripts on another origin see only CORS-safelisted response headers unless told
            // (Fetch standard, "CORS-safelisted response-header name"); a page's countdown needs this one.
            headers["Access-Control-Expose-Headers"] = "Retry-After";
        }

        if (Body.RetryAfterSeconds is { } retryAfter)
        {
            headers["Retry-After"] = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        return new ApiGatewayResponse
        {
            StatusCode = StatusCode,
            Headers = headers,
            Body = Document ?? System.Text.Json.JsonSerializer.Serialize(Body, LambdaJsonContext.Default.ApiResponseBody),
        };
    }
}
