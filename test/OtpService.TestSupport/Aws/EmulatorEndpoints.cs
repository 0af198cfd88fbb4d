using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;

namespace OtpService.Tests.Integration;

/// <summary>Where the emulators listen, plus small helpers for tests that use them.</summary>
public sealed class EmulatorEndpoints
{
    private static readonly HttpClient Http = Patience.HttpClient();

    internal EmulatorEndpoints(Uri dynamoDbEndpoint, Uri sesEndpoint, IReadOnlyList<int> processIds)
    {
        DynamoDbEndpoint = dynamoDbEndpoint;
        SesEndpoint = sesEndpoint;
        ProcessIds = processIds;
    }

    /// <summary>dynalite, e.g. http://127.0.0.1:41234/.</summary>
    public Uri DynamoDbEndpoint { get; }

    /// <summary>aws-ses-v2-local, e.g. http://127.0.0.1:41235/ (its page lists sent mail).</summary>
    public Uri SesEndpoint { get; }

    /// <summary>The node processes behind the two endpoints.</summary>
    public IReadOnlyList<int> ProcessIds { get; }

    /// <summary>A low-level DynamoDB client for the emulator (dummy credentials, us-east-1). The caller disposes it.</summary>
    public IAmazonDynamoDB CreateDynamoDbClient() => LocalTable.CreateClient(DynamoDbEndpoint);

    /// <summary>
    /// Creates a table shaped like the OTP table (email_id S HASH, EXPIRATION_TIME N RANGE) and
    /// returns its name: a fresh unique one unless <paramref name="name"/> is given. Idempotent.
    /// </summary>
    public async Task<string> CreateTableAsync(string? name = null)
    {
        name ??= $"otp_test_{Guid.NewGuid():N}";
        using var client = CreateDynamoDbClient();
        await LocalTable.CreateAsync(client, name, TimeProvider.System, CancellationToken.None);
        return name;
    }

    /// <summary>
    /// The environment variables a handler's parameterless constructor reads to use these emulators
    /// and <paramref name="tableName"/> (endpoints, region, dummy credentials, sender, and the
    /// development token and subject keys VerifyOtp needs; the HMAC key is each test's choice), and
    /// <see cref="Patience.FunctionEnvironment"/>'s budget, which a slow emulator cannot exhaust.
    /// </summary>
    public IReadOnlyDictionary<string, string> LambdaEnvironment(string tableName) => new Dictionary<string, string>(Patience.FunctionEnvironment)
    {
        ["AWS_ENDPOINT_URL_DYNAMODB"] = DynamoDbEndpoint.ToString().TrimEnd('/'),
        ["AWS_ENDPOINT_URL_SESV2"] = SesEndpoint.ToString().TrimEnd('/'),
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "local",
        ["AWS_SECRET_ACCESS_KEY"] = "local",
        ["OTP_TABLE_NAME"] = tableName,
        ["OTP_SENDER_ADDRESS"] = "no-reply@example.com",
        ["OTP_TOKEN_SIGNING_KEY"] = Core.Aws.DevelopmentKeys.TokenSigningKeyPem,
        ["OTP_SUBJECT_KEY"] = Core.Aws.DevelopmentKeys.SubjectKey,
        ["OTP_CLIENT_KEY"] = Core.Aws.DevelopmentKeys.ClientKey,
    };

    /// <summary>
    /// Mail the SES emulator holds (<c>GET /store</c>), oldest first; only mail to
    /// <paramref name="to"/> when given (the store is shared by every test in the process).
    /// </summary>
    public async Task<IReadOnlyList<SentMail>> SentMailAsync(string? to = null)
    {
        using var doc = await Http.GetFromJsonAsync<JsonDocument>(new Uri(SesEndpoint, "/store"))
            ?? throw new InvalidOperationException("The SES emulator's /store returned nothing.");
        var mail = doc.RootElement.GetProperty("emails").EnumerateArray().Select(SentMail.Parse);
        return to is null
            ? mail.ToList()
            : mail.Where(m => m.To.Contains(to, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>Waits (<see cref="Patience.Wait"/> unless told) until at least <paramref name="count"/> mails to <paramref name="to"/> are in the store.</summary>
    public async Task<IReadOnlyList<SentMail>> WaitForMailAsync(string to, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience.Wait);
        while (true)
        {
            var mail = await SentMailAsync(to);
            if (mail.Count >= count)
            {
                return mail;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected {count} mail(s) to {to} in the SES emulator; found {mail.Count}.");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>One mail as aws-ses-v2-local's <c>/store</c> lists it.</summary>
public sealed record SentMail(
    string MessageId,
    string From,
    IReadOnlyList<string> To,
    string Subject,
    string? Html,
    string? Text,
    DateTimeOffset At)
{
    internal static SentMail Parse(JsonElement e)
    {
        var body = e.GetProperty("body");
        return new SentMail(
            e.GetProperty("messageId").GetString() ?? "",
            e.GetProperty("from").GetString() ?? "",
            e.GetProperty("destination").GetProperty("to").EnumerateArray().Select(a => a.GetString() ?? "").ToList(),
            e.TryGetProperty("subject", out var s) ? s.GetString() ?? "" : "",
            body.TryGetProperty("html", out var h) ? h.GetString() : null,
            body.TryGetProperty("text", out var t) ? t.GetString() : null,
            DateTimeOffset.FromUnixTimeSeconds(e.GetProperty("at").GetInt64()));
    }
}
