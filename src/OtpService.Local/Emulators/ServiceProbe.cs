using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Rules;

namespace OtpService.Local.Emulators;

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
    public static async Task VerifySenderAsync(Uri sesEndpoint, string sender, string region, TimeProvider clock, CancellationToken cancellationToken)
    {
        var client = new SignedAwsHttpClient(Dependency.SES, new AwsRequestSigner("ses", region), clock, new BasicAWSCredentials("local", "local"), timeout: TimeSpan.FromSeconds(20));
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
