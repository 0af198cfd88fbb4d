using System.Text.Json;

namespace OtpService.Local.Emulators;

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
