using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using OtpService.Local.Emulators;

namespace OtpService.Tests.OpenApi;

/// <summary>
/// The repository's OpenAPI 3.1 document (docs/openapi.json) read as JSON, with lookups of an
/// operation's documented responses and validation of real answers against them: the body
/// against the media type's schema (JSON Schema 2020-12, OpenAPI 3.1's dialect, by JsonSchema.Net,
/// with the document's own <c>$ref</c>s resolved), the headers against the response's header objects.
/// </summary>
internal sealed class OpenApiSpec
{
    /// <summary>A base URI for the document so its <c>#/components/...</c> references resolve (never fetched).</summary>
    public static readonly Uri DocumentUri = new("https://otpservice.invalid/openapi.json");

    /// <summary>Headers that are the transport's, not the API's (HTTP framing, Kestrel's own).</summary>
    private static readonly HashSet<string> TransportHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Date", "Server", "Transfer-Encoding", "Connection", "Keep-Alive",
    };

    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly BuildOptions build;
    private int schemaCount;

    private OpenApiSpec(JsonElement root)
    {
        Root = root;
        var registry = new SchemaRegistry();
        registry.Register(DocumentUri, new JsonElementBaseDocument(root, DocumentUri));
        build = new BuildOptions { SchemaRegistry = registry };
    }

    public JsonElement Root { get; }

    public static string FilePath => Path.Combine(RepositoryRoot.Find(), "docs", "openapi.json");

    public static OpenApiSpec Load() => Parse(File.ReadAllText(FilePath));

    public static OpenApiSpec Parse(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    /// <summary>Every (path, method) the document describes, methods upper-case.</summary>
    public IEnumerable<(string Path, string Method)> Operations()
    {
        foreach (var path in Root.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in Methods)
            {
                if (path.Value.TryGetProperty(method, out _))
                {
                    yield return (path.Name, method.ToUpperInvariant());
                }
            }
        }
    }

    /// <summary>The HTTP statuses documented for an operation (none when the operation is not documented).</summary>
    public IReadOnlyList<int> Statuses(string path, string method) =>
        Operation(path, method) is { } operation
            ? operation.Node.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name, CultureInfo.InvariantCulture)).ToList()
            : [];

    /// <summary>
    /// Why an answer does not match the document, or nothing: the operation and status are
    /// documented, the content type is, the body validates against its schema, every header the
    /// API set is documented for that response, every required one is present, and each value
    /// validates against its schema.
    /// </summary>
    public IReadOnlyList<string> Check(string path, string method, int status, string? contentType, IReadOnlyDictionary<string, string> headers, string body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var at = $"{method} {path} {status}";
        if (Operation(path, method) is not { } operation)
        {
            return [$"{method} {path} is not in the document"];
        }

        if (!operation.Node.GetProperty("responses").TryGetProperty(status.ToString(CultureInfo.InvariantCulture), out var declared))
        {
            return [$"{at}: status {status} is not documented for {method} {path}"];
        }

        var problems = new List<string>();
        var (response, pointer) = Resolve(declared, $"{operation.Pointer}/responses/{status}");

        var mediaType = contentType?.Split(';')[0].Trim();
        if (response.TryGetProperty("content", out var content))
        {
            if (mediaType is null || !content.TryGetProperty(mediaType, out _))
            {
                problems.Add($"{at}: content type '{mediaType}' is not documented (documented: {string.Join(", ", content.EnumerateObject().Select(c => c.Name))})");
            }
            else
            {
                JsonElement instance;
                try
                {
                    instance = JsonDocument.Parse(body).RootElement.Clone();
                }
                catch (JsonException e)
                {
                    return [.. problems, $"{at}: the body is not JSON ({e.Message}): {body}"];
                }

                problems.AddRange(Validate($"{pointer}/content/{Escape(mediaType)}/schema", instance).Select(e => $"{at}: body {body}: {e}"));
            }
        }
        else if (body.Length > 0)
        {
            problems.Add($"{at}: a body is not documented, but the answer has one: {body}");
        }

        var documented = response.TryGetProperty("headers", out var h)
            ? h.EnumerateObject().ToDictionary(p => p.Name, p => Resolve(p.Value, $"{pointer}/headers/{Escape(p.Name)}"), StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, (JsonElement Node, string Pointer)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (TransportHeaders.Contains(name))
            {
                continue;
            }

            if (!documented.TryGetValue(name, out var header))
            {
                problems.Add($"{at}: header {name}: {value} is not documented");
                continue;
            }

            var (schemaNode, _) = Resolve(header.Node.GetProperty("schema"), $"{header.Pointer}/schema");
            var typed = schemaNode.TryGetProperty("type", out var type) && type.GetString() is "integer" or "number"
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : JsonValue.Create(value);
            var instance = JsonDocument.Parse(typed.ToJsonString()).RootElement.Clone();
            problems.AddRange(Validate($"{header.Pointer}/schema", instance).Select(e => $"{at}: header {name}: {value}: {e}"));
        }

        foreach (var (name, header) in documented)
        {
            if (header.Node.TryGetProperty("required", out var required) && required.GetBoolean() && !headers.Keys.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{at}: required header {name} is missing");
            }
        }

        return problems;
    }

    /// <summary>Validates <paramref name="instance"/> against the schema at <paramref name="pointer"/> (a JSON Pointer into the document); the errors, or none.</summary>
    public IReadOnlyList<string> Validate(string pointer, JsonElement instance)
    {
        var wrapper = JsonDocument.Parse($$"""{"$ref": {{JsonSerializer.Serialize(DocumentUri + "#" + pointer)}}}""").RootElement;
        var schema = JsonSchema.Build(wrapper, build, new Uri($"https://otpservice.invalid/check/{Interlocked.Increment(ref schemaCount)}"));
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.SchemaLocation}): {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["does not match the schema"];
    }

    /// <summary>Follows a local <c>$ref</c> ("#/components/...") to its target; returns the node and its JSON Pointer.</summary>
    public (JsonElement Node, string Pointer) Resolve(JsonElement node, string pointer)
    {
        for (var hops = 0; node.ValueKind == JsonValueKind.Object && node.TryGetProperty("$ref", out var reference); hops++)
        {
            var target = reference.GetString() ?? "";
            if (hops > 10 || !target.StartsWith("#/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Cannot follow $ref '{target}' at {pointer}.");
            }

            pointer = target[1..];
            node = At(pointer) ?? throw new InvalidOperationException($"$ref '{target}' points at nothing.");
        }

        return (node, pointer);
    }

    /// <summary>The node at a JSON Pointer (RFC 6901), or null.</summary>
    public JsonElement? At(string pointer)
    {
        var node = Root;
        foreach (var token in pointer.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(token, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private (JsonElement Node, string Pointer)? Operation(string path, string method)
    {
        var pointer = $"/paths/{Escape(path)}/{method.ToLowerInvariant()}";
        return At(pointer) is { } node ? (node, pointer) : null;
    }
}
