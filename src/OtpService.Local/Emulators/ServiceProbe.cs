using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Rules;

namespace OtpService.Local.Emulators;

/// <summary>The SES emulators whose sent mail the runner can show, each keeping it in its own API.</summary>
internal enum MailStoreKind
{
    /// <summary>Not recognised: the mail is wherever that emulator keeps it.</summary>
    Unknown,

    /// <summary>aws-ses-v2-local: a page at <c>/</c>, JSON at <c>GET /store</c>.</summary>
    AwsSesV2Local,

    /// <summary>moto: <c>GET /moto-api/data.json</c>, under <c>ses.Message</c>.</summary>
    Moto,

    /// <summary>LocalStack: <c>GET /_aws/ses</c> (its "messages").</summary>
    LocalStack,
}

/// <summary>Where a SES endpoint keeps sent mail, for the start banner, <c>invoke</c> and tests.</summary>
internal sealed record MailStore(Uri Endpoint, MailStoreKind Kind)
{
    /// <summary>The URL that lists sent mail as JSON, or null when unknown.</summary>
    public Uri? JsonUrl => Kind switch
    {
        MailStoreKind.AwsSesV2Local => new Uri(Endpoint, "/store"),
        MailStoreKind.Moto => new Uri(Endpoint, "/moto-api/data.json"),
        MailStoreKind.LocalStack => new Uri(Endpoint, "/_aws/ses"),
        _ => null,
    };

    /// <summary>One line for the banner: where to read the mail.</summary>
    public string Where => Kind switch
    {
        MailStoreKind.AwsSesV2Local => $"{Endpoint}   (aws-ses-v2-local: sent mail on this page; JSON at /store)",
        MailStoreKind.Moto => $"{new Uri(Endpoint, "/moto-api/")}   (moto's dashboard; JSON at {JsonUrl}, under ses.Message)",
        MailStoreKind.LocalStack => $"{JsonUrl}   (LocalStack's sent mail, JSON)",
        _ => $"{Endpoint}   (an SES endpoint the runner does not know how to read: see its own docs for sent mail)",
    };

    /// <summary>
    /// The mail the emulator holds, oldest first, read from its own API (aws-ses-v2-local's
    /// <c>/store</c>, moto's <c>/moto-api/data.json</c>, LocalStack's <c>/_aws/ses</c>); empty for an
    /// emulator the runner does not know.
    /// </summary>
    public async Task<IReadOnlyList<SentMessage>> ReadAsync(CancellationToken cancellationToken)
    {
        if (JsonUrl is not { } url)
        {
            return [];
        }

        using var response = await MailHttp.GetAsync(url, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        var root = doc.RootElement;
        return Kind switch
        {
            MailStoreKind.AwsSesV2Local => Items(root, "emails").Select(e => new SentMessage(
                Strings(Get(e, "destination"), "to"), Text(e, "from"), Text(e, "subject"),
                Text(Get(e, "body"), "text") is { Length: > 0 } text ? text : Text(Get(e, "body"), "html"))).ToList(),
            MailStoreKind.Moto => Items(Get(root, "ses"), "Message").Select(e => new SentMessage(
                Strings(Get(e, "destinations"), "ToAddresses"), Text(e, "source"), Text(e, "subject"), Text(e, "body"))).ToList(),
            _ => Items(root, "messages").Select(e => new SentMessage(
                Strings(Get(e, "Destination"), "ToAddresses"), Text(e, "Source"), Text(e, "Subject"),
                Text(Get(e, "Body"), "text_part") is { Length: > 0 } text ? text : Text(Get(e, "Body"), "html_part"))).ToList(),
        };
    }

    private static readonly HttpClient MailHttp = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static JsonElement? Get(JsonElement? e, string name) =>
        e is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) ? v : null;

    private static List<JsonElement> Items(JsonElement? e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().ToList() : [];

    private static string Text(JsonElement? e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.String } s ? s.GetString() ?? "" : "";

    private static List<string> Strings(JsonElement? e, string name) =>
        Items(e, name).Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString() ?? "").ToList();
}

/// <summary>One sent mail as an emulator keeps it: recipients, sender, subject, and the text body (the HTML where only that is kept).</summary>
internal sealed record SentMessage(IReadOnlyList<string> To, string From, string Subject, string Body);

/// <summary>
/// Asks an endpoint what it is: a DynamoDB API (ListTables answers), and which SES emulator (by
/// the page each keeps its mail on). Loopback emulators check no signature; a dummy one is sent.
/// </summary>
internal static class ServiceProbe
{
    // Generous: moto loads a service's backend on its first request, which takes seconds on a busy machine.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>True when <paramref name="endpoint"/> answers a DynamoDB ListTables call (any DynamoDB emulator).</summary>
    public static async Task<bool> DynamoDbAnswersAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent("{}", Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.ListTables");
            request.Headers.TryAddWithoutValidation("X-Amz-Date", "20200101T000000Z");
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0");
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return body.Contains("TableNames", StringComparison.Ordinal) || body.Contains("com.amazon", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Which SES emulator answers at <paramref name="endpoint"/>; null when nothing answers there at all.</summary>
    public static async Task<MailStore?> SesAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        if (!await Ports.AcceptsConnectionsAsync(endpoint, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        foreach (var kind in new[] { MailStoreKind.AwsSesV2Local, MailStoreKind.Moto, MailStoreKind.LocalStack })
        {
            var store = new MailStore(endpoint, kind);
            if (await JsonAsync(store.JsonUrl!, cancellationToken).ConfigureAwait(false) is { } json)
            {
                using (json)
                {
                    var root = json.RootElement;
                    var matches = kind switch
                    {
                        MailStoreKind.AwsSesV2Local => root.TryGetProperty("emails", out _),
                        MailStoreKind.Moto => root.TryGetProperty("core", out _) || root.TryGetProperty("ses", out _),
                        _ => root.TryGetProperty("messages", out _),
                    };
                    if (matches)
                    {
                        return store;
                    }
                }
            }
        }

        return new MailStore(endpoint, MailStoreKind.Unknown);
    }

    /// <summary>
    /// Makes <paramref name="sender"/> a verified SES identity (SES v2 CreateEmailIdentity), for
    /// emulators that refuse unverified senders as SES does (moto). In AWS you verify by mail or DNS;
    /// an emulator verifies at once. Already verified is fine.
    /// </summary>
    public static async Task VerifySenderAsync(Uri sesEndpoint, string sender, string region, CancellationToken cancellationToken)
    {
        var client = new SignedAwsHttpClient(Dependency.SES, new AwsRequestSigner("ses", region), new BasicAWSCredentials("local", "local"), timeout: TimeSpan.FromSeconds(20));
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["EmailIdentity"] = sender }, ProbeJsonContext.Default.DictionaryStringString);
        try
        {
            await client.PostAsync("SES v2 CreateEmailIdentity", new Uri(sesEndpoint, "/v2/email/identities"), body, "application/json", [], cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyException e) when (e.HttpStatus is 409 || e.ErrorType is "AlreadyExistsException")
        {
            // Verified before.
        }
    }

    private static async Task<JsonDocument?> JsonAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return JsonDocument.Parse(bytes);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ProbeJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
