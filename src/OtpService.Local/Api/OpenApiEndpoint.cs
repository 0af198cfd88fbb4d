using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace OtpService.Local.Api;

/// <summary>
/// <c>GET /openapi.json</c> on the API's port: the repository's OpenAPI 3.1 description of the API
/// (docs/openapi.json), with its first server set to this runner's address so tools pointed at it
/// call this runner.
/// </summary>
internal sealed class OpenApiEndpoint
{
    /// <summary>The document's place in the repository.</summary>
    public const string RepositoryPath = "docs/openapi.json";

    public const string Route = "/openapi.json";

    private readonly byte[] body;

    private OpenApiEndpoint(byte[] body) => this.body = body;

    /// <summary>Reads the document and points its first server at <paramref name="api"/>; throws when the file is missing or not JSON.</summary>
    public static OpenApiEndpoint Load(string repositoryRoot, Uri api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var path = Path.Combine(repositoryRoot, RepositoryPath);
        var document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidOperationException($"{path} is not a JSON object.");
        if (document["servers"] is JsonArray { Count: > 0 } servers && servers[0] is JsonObject first)
        {
            first["url"] = api.GetLeftPart(UriPartial.Authority);
            first["description"] = "This local runner";
        }

        return new OpenApiEndpoint(Encoding.UTF8.GetBytes(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    /// <summary>Answers GET /openapi.json and returns true; any other request is left to the API (false).</summary>
    public async Task<bool> TryServeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Path != Route)
        {
            return false;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        // A public description: any origin's tools (an API explorer page, say) may read it.
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        return true;
    }
}
