using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace OtpService.Local.Emulators;

/// <summary>
/// A stand-in for what SES does and aws-ses-v2-local 2.10.2 cannot (its source has no bounce, no
/// suppression list, and ignores <c>ConfigurationSetName</c>): a loopback proxy in front of it, on
/// the port clients use, that forwards every request unchanged except
/// <list type="bullet">
/// <item>SendEmail (<c>POST /v2/email/outbound-emails</c>): a recipient on the account-level
/// suppression list is accepted and not sent, as SES does ("SES accepts the message, but doesn't
/// send it": https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html); a
/// recipient the runner was told to bounce (<c>--ses-bounce</c>) bounces (550 5.1.1, "Unknown User")
/// and goes on the list with reason BOUNCE, as SES adds a hard-bounced address when the account or the
/// configuration set suppresses BOUNCE; SES's mailbox simulator's <c>bounce@simulator.amazonses.com</c>
/// (and <c>bounce+label@</c>) bounces without going on the list, and <c>suppressionlist@simulator.amazonses.com</c>
/// is answered as a suppressed address, both as SES's simulator does
/// (https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator).
/// Every such answer is SES's: 200 with a message ID; the bounce only shows in the runner's output.</item>
/// <item>the suppression list's own API (<c>/v2/email/suppression/addresses</c>: Put, Get, Delete and
/// List SuppressedDestination(s)), so <c>aws sesv2 ... --endpoint-url</c> manages it as in AWS.</item>
/// </list>
/// The list lives in memory for the runner's lifetime. Addresses match without regard to case.
/// </summary>
internal sealed class SesSuppressionStandIn : IAsyncDisposable
{
    private const string SendEmailPath = "/v2/email/outbound-emails";
    private const string SuppressionPath = "/v2/email/suppression/addresses";
    private const string SimulatorDomain = "simulator.amazonses.com";
    private static readonly string[] RecipientLists = ["ToAddresses", "CcAddresses", "BccAddresses"];

    private readonly LoopbackForwarder forward;
    private readonly HashSet<string> bouncing;
    private readonly Action<string> log;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, SuppressedDestination> suppressed = new(StringComparer.OrdinalIgnoreCase);
    private readonly WebApplication app;

    private SesSuppressionStandIn(int port, Uri upstream, IEnumerable<string> bouncing, Action<string> log, TimeProvider clock)
    {
        this.clock = clock;
        forward = new LoopbackForwarder(upstream);
        this.bouncing = new HashSet<string>(bouncing, StringComparer.OrdinalIgnoreCase);
        this.log = log;
        var builder = LocalWebHost.CreateBuilder(new WebApplicationOptions { ApplicationName = "OtpService.Local.SesStandIn" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        app = builder.Build();
        app.Run(HandleAsync);
    }

    /// <summary>The port clients use (127.0.0.1); known once started.</summary>
    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0: a port the OS picks), in front of aws-ses-v2-local at <paramref name="upstream"/>.</summary>
    /// <param name="port">The port SES clients are given.</param>
    /// <param name="upstream">aws-ses-v2-local's own URL.</param>
    /// <param name="bouncing">Addresses to answer with a hard bounce (<c>--ses-bounce</c>).</param>
    /// <param name="log">One line per bounce and per suppressed recipient (the runner's output).</param>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<SesSuppressionStandIn> StartAsync(int port, Uri upstream, IEnumerable<string> bouncing, Action<string> log, TimeProvider clock, CancellationToken cancellationToken)
    {
        var standIn = new SesSuppressionStandIn(port, upstream, bouncing, log, clock);
        try
        {
            await standIn.app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = standIn.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            standIn.Port = new Uri(bound).Port;
            return standIn;
        }
        catch
        {
            await standIn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What SES does with a send to <paramref name="address"/> now (a bounce puts it on the list as a side effect of sending, not of this question).</summary>
    public StandInOutcome OutcomeFor(string address) =>
        suppressed.ContainsKey(address) || IsSimulator(address, "suppressionlist") ? StandInOutcome.Suppressed
        : bouncing.Contains(address) || IsSimulator(address, "bounce") ? StandInOutcome.Bounced
        : StandInOutcome.Delivered;

    public async ValueTask DisposeAsync()
    {
        await LocalWebHost.StopAndDisposeAsync(app, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        forward.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var body = await LoopbackForwarder.ReadBodyAsync(context, cancellationToken).ConfigureAwait(false);
        var path = context.Request.Path.Value ?? "";
        if (path == SendEmailPath && HttpMethods.IsPost(context.Request.Method))
        {
            await SendEmailAsync(context, body, cancellationToken).ConfigureAwait(false);
        }
        else if (path == SuppressionPath || path.StartsWith(SuppressionPath + "/", StringComparison.Ordinal))
        {
            await SuppressionApiAsync(context, path, body, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await LoopbackForwarder.WriteAsync(context, await forward.ForwardAsync(context, body, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendEmailAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }

        var destination = request?["Destination"] as JsonObject;
        var lists = destination is null ? [] : RecipientLists.Select(n => destination[n]).OfType<JsonArray>().ToList();
        var recipients = lists.SelectMany(l => l.Select(r => r?.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null)).OfType<string>().ToList();
        if (recipients.Count == 0)
        {
            // Nothing to decide (or not SES's shape): aws-ses-v2-local answers, as it would have.
            await LoopbackForwarder.WriteAsync(context, await forward.ForwardAsync(context, body, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return;
        }

        var messageId = $"local-stand-in-{Guid.NewGuid():N}";
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var recipient in recipients)
        {
            var address = AddressOf(recipient);
            switch (OutcomeFor(address))
            {
                case StandInOutcome.Suppressed:
                    held.Add(recipient);
                    log($"SES stand-in: {address} is on the suppression list: accepted, not sent (a Bounce event, bounceSubType OnAccountSuppressionList; it does not count toward the bounce rate).");
                    break;
                case StandInOutcome.Bounced:
                    held.Add(recipient);
                    if (IsSimulator(address, "bounce"))
                    {
                        log($"SES stand-in: {address} bounced (SES's mailbox simulator: 550 5.1.1; never put on the suppression list).");
                    }
                    else
                    {
                        suppressed[address] = new SuppressedDestination(address, "BOUNCE", clock.GetUtcNow(), messageId);
                        log($"SES stand-in: {address} bounced (550 5.1.1 Unknown User, as --ses-bounce asks) and is now on the suppression list (BOUNCE); remove it with aws sesv2 delete-suppressed-destination --email-address {address} --endpoint-url {Endpoint}");
                    }

                    break;
                default:
                    break;
            }
        }

        if (held.Count == recipients.Count)
        {
            // SES took the message: its answer is a message ID whatever happens to the recipients afterwards.
            await WriteJsonAsync(context, HttpStatusCode.OK, new JsonObject { ["MessageId"] = messageId }, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var list in lists)
        {
            foreach (var item in list.Where(r => r?.GetValueKind() == JsonValueKind.String && held.Contains(r.GetValue<string>())).ToList())
            {
                list.Remove(item);
            }
        }

        var rewritten = held.Count == 0 ? body : Encoding.UTF8.GetBytes(request!.ToJsonString());
        await LoopbackForwarder.WriteAsync(context, await forward.ForwardAsync(context, rewritten, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private async Task SuppressionApiAsync(HttpContext context, string path, byte[] body, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        var address = path.Length > SuppressionPath.Length + 1 ? Uri.UnescapeDataString(path[(SuppressionPath.Length + 1)..]) : null;
        if (address is null && HttpMethods.IsPut(method))
        {
            // PutSuppressedDestination: {"EmailAddress": "...", "Reason": "BOUNCE" | "COMPLAINT"}.
            var put = Parse(body);
            var email = put?["EmailAddress"]?.GetValueKind() == JsonValueKind.String ? put["EmailAddress"]!.GetValue<string>() : null;
            var reason = put?["Reason"]?.GetValueKind() == JsonValueKind.String ? put["Reason"]!.GetValue<string>() : null;
            if (string.IsNullOrWhiteSpace(email) || reason is not ("BOUNCE" or "COMPLAINT"))
            {
                await ErrorAsync(context, HttpStatusCode.BadRequest, "BadRequestException", "EmailAddress and a Reason of BOUNCE or COMPLAINT are required.", cancellationToken).ConfigureAwait(false);
                return;
            }

            suppressed[email] = new SuppressedDestination(email, reason, clock.GetUtcNow(), null);
            await WriteJsonAsync(context, HttpStatusCode.OK, [], cancellationToken).ConfigureAwait(false);
        }
        else if (address is null && HttpMethods.IsGet(method))
        {
            // ListSuppressedDestinations, optionally by Reason (repeated); one page.
            var reasons = context.Request.Query["Reason"].Where(r => !string.IsNullOrEmpty(r)).ToHashSet(StringComparer.Ordinal);
            var summaries = new JsonArray(suppressed.Values
                .Where(d => reasons.Count == 0 || reasons.Contains(d.Reason))
                .OrderBy(d => d.LastUpdateTime)
                .Select(d => (JsonNode)d.Summary())
                .ToArray());
            await WriteJsonAsync(context, HttpStatusCode.OK, new JsonObject { ["SuppressedDestinationSummaries"] = summaries }, cancellationToken).ConfigureAwait(false);
        }
        else if (address is not null && (HttpMethods.IsGet(method) || HttpMethods.IsDelete(method)))
        {
            var found = HttpMethods.IsGet(method) ? suppressed.TryGetValue(address, out var entry) : suppressed.TryRemove(address, out entry);
            if (!found)
            {
                await ErrorAsync(context, HttpStatusCode.NotFound, "NotFoundException", $"Email address {address} does not exist on your suppression list.", cancellationToken).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsDelete(method))
            {
                log($"SES stand-in: {address} removed from the suppression list.");
            }

            await WriteJsonAsync(context, HttpStatusCode.OK, HttpMethods.IsGet(method) ? new JsonObject { ["SuppressedDestination"] = entry!.Detail() } : [], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ErrorAsync(context, HttpStatusCode.NotFound, "NotFoundException", "No such suppression list operation.", cancellationToken).ConfigureAwait(false);
        }
    }

    private static JsonObject? Parse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The addr-spec of a recipient, which may carry a display name (<c>Name &lt;addr&gt;</c>).</summary>
    private static string AddressOf(string recipient)
    {
        var open = recipient.LastIndexOf('<');
        var close = recipient.LastIndexOf('>');
        return (open >= 0 && close > open ? recipient[(open + 1)..close] : recipient).Trim();
    }

    /// <summary>SES's mailbox simulator address <paramref name="mailbox"/>@simulator.amazonses.com, labels (<c>+label</c>) allowed.</summary>
    private static bool IsSimulator(string address, string mailbox)
    {
        var at = address.LastIndexOf('@');
        if (at < 0 || !address[(at + 1)..].Equals(SimulatorDomain, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var local = address[..at];
        var plus = local.IndexOf('+', StringComparison.Ordinal);
        return (plus < 0 ? local : local[..plus]).Equals(mailbox, StringComparison.OrdinalIgnoreCase);
    }

    private static Task ErrorAsync(HttpContext context, HttpStatusCode status, string type, string message, CancellationToken cancellationToken)
    {
        // SES v2 is REST-JSON: the error type in x-amzn-ErrorType, the message in the body.
        context.Response.Headers["x-amzn-ErrorType"] = type;
        return WriteJsonAsync(context, status, new JsonObject { ["message"] = message }, cancellationToken);
    }

    private static async Task WriteJsonAsync(HttpContext context, HttpStatusCode status, JsonObject json, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One address on the list, as SES v2 describes it (LastUpdateTime in epoch seconds, as the REST-JSON protocol writes timestamps).</summary>
    private sealed record SuppressedDestination(string EmailAddress, string Reason, DateTimeOffset LastUpdateTime, string? MessageId)
    {
        public JsonObject Summary() => new()
        {
            [nameof(EmailAddress)] = EmailAddress,
            [nameof(Reason)] = Reason,
            [nameof(LastUpdateTime)] = LastUpdateTime.ToUnixTimeSeconds(),
        };

        public JsonObject Detail()
        {
            var detail = Summary();
            if (MessageId is not null)
            {
                detail["Attributes"] = new JsonObject { [nameof(MessageId)] = MessageId, ["FeedbackId"] = $"local-feedback-{MessageId}" };
            }

            return detail;
        }
    }
}
