using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace OtpService.Core.Aws;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with AWS Signature Version 4.
/// We build the canonical request (AWSSDK.Core only canonicalizes its own request type) and
/// leave the string to sign, key derivation and HMAC to AWSSDK.Core's
/// <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>.
/// </summary>
public sealed class AwsRequestSigner(string service, string region)
{
    private const string DateHeader = "X-Amz-Date";
    private const string SecurityTokenHeader = "X-Amz-Security-Token";

    /// <summary>Headers a proxy or the HTTP stack may add or rewrite; signing them would break the signature.</summary>
    private static readonly HashSet<string> UnsignedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "user-agent", "content-length", "expect", "connection", "transfer-encoding", "x-amzn-trace-id",
    };

    public string Service { get; } = service;

    public string Region { get; } = region;

    /// <summary>
    /// Adds X-Amz-Date, X-Amz-Security-Token (when the credentials carry a session token, as Lambda's do)
    /// and Authorization. <paramref name="body"/> must be the exact bytes the request will send.
    /// </summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ImmutableCredentials credentials, DateTime signedAtUtc)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (signedAtUtc.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException("The signing time must be UTC.", nameof(signedAtUtc));
        }

        request.Headers.Remove(DateHeader);
        request.Headers.Remove(SecurityTokenHeader);
        request.Headers.TryAddWithoutValidation(DateHeader, signedAtUtc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.Token);
        }

        var headers = CanonicalHeaders(request, uri);
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = string.Join('\n',
            request.Method.Method,
            CanonicalPath(uri),
            CanonicalQuery(uri),
            string.Concat(headers.Select(header => $"{header.Key}:{header.Value}\n")),
            signedHeaders,
            Convert.ToHexStringLower(SHA256.HashData(body)));

        var signature = AWS4Signer.ComputeSignature(credentials, Region, signedAtUtc, Service, signedHeaders, canonicalRequest);
        request.Headers.Authorization = null;
        request.Headers.TryAddWithoutValidation("Authorization", signature.ForAuthorizationHeader);
    }

    /// <summary>Lower-cased names in ordinal order; values trimmed, inner runs of spaces collapsed, repeats joined by commas.</summary>
    private static SortedDictionary<string, string> CanonicalHeaders(HttpRequestMessage request, Uri uri)
    {
        var canonical = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            // HttpClient sends the URI's authority (host, plus the port when it is not the scheme's default).
            ["host"] = request.Headers.Host ?? uri.Authority,
        };
        var all = request.Content is null ? request.Headers : request.Headers.Concat(request.Content.Headers);
        foreach (var (name, values) in all)
        {
            var lowerName = name.ToLowerInvariant();
            if (lowerName == "host" || UnsignedHeaders.Contains(lowerName))
            {
                continue;
            }

            var value = string.Join(',', values.Select(CollapseSpaces));
            canonical[lowerName] = canonical.TryGetValue(lowerName, out var earlier) ? $"{earlier},{value}" : value;
        }

        return canonical;
    }

    private static string CollapseSpaces(string value) =>
        string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Every AWS service but S3 wants each path segment URI-encoded twice; the URI holds it encoded once.</summary>
    private static string CanonicalPath(Uri uri) =>
        uri.AbsolutePath.Length == 0 ? "/" : string.Join('/', uri.AbsolutePath.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Parameters RFC 3986-encoded and sorted by name, then value.</summary>
    private static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', query.Split('&')
            .Select(pair => pair.Split('=', 2))
            .Select(parts => (
                Name: Uri.EscapeDataString(Uri.UnescapeDataString(parts[0])),
                Value: Uri.EscapeDataString(Uri.UnescapeDataString(parts.Length > 1 ? parts[1] : string.Empty))))
            .OrderBy(parameter => parameter.Name, StringComparer.Ordinal)
            .ThenBy(parameter => parameter.Value, StringComparer.Ordinal)
            .Select(parameter => $"{parameter.Name}={parameter.Value}"));
    }
}
