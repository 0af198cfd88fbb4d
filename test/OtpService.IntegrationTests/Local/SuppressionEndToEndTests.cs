using System.Globalization;
using System.Net;
using System.Text.Json;
using OtpService.Local.Emulators;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>
/// Issue 21 item 4 through the local runner (its real handlers, dynalite, aws-ses-v2-local): an address
/// SES is told to bounce (<c>--ses-bounce</c>) ends up on the suppression list, and later codes for it
/// are accepted by SES but never mailed, while other addresses get theirs. aws-ses-v2-local cannot
/// bounce or suppress, so the runner's SES stand-in answers as SES does (docs/local.md).
/// </summary>
public sealed class SuppressionEndToEndTests
{
    private static readonly HttpClient Http = Patience.HttpClient();

    [Fact]
    public async Task AnAddressThatBounces_IsSuppressed_LaterCodesAreAcceptedButNeverMailed_AndOtherAddressesStillGetTheirs()
    {
        var bouncing = $"gone-{Guid.NewGuid():N}@example.net";
        var other = $"here-{Guid.NewGuid():N}@example.com";
        var (api, site, dynamo, ses) = (Ports.FreePort(), Ports.FreePort(), Ports.FreePort(), Ports.FreePort());
        await using var runner = LocalRunnerProcess.Start(
            ["--port", Text(api), "--site-port", Text(site), "--dynamodb-port", Text(dynamo), "--ses-port", Text(ses), "--ses-bounce", bouncing],
            new Dictionary<string, string> { ["OTP_RESEND_COOLDOWN_SECONDS"] = "0" });
        await runner.WaitUntilReadyAsync(Patience.Wait);
        var sesUrl = new Uri($"http://127.0.0.1:{Text(ses)}");
        var mail = new EmulatorEndpoints(new Uri("http://127.0.0.1:1"), sesUrl, []);

        // The first code: SES takes it, the mailbox refuses it, and SES suppresses the address.
        Assert.Equal(HttpStatusCode.Accepted, await GenerateAsync(api, bouncing));
        Assert.True(await runner.WaitForOutputAsync($"SES stand-in: {bouncing} bounced", Patience.Wait), runner.Output);
        using (var listed = await Http.GetAsync(new Uri(sesUrl, $"/v2/email/suppression/addresses/{Uri.EscapeDataString(bouncing)}")))
        {
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            using var body = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
            Assert.Equal("BOUNCE", body.RootElement.GetProperty("SuppressedDestination").GetProperty("Reason").GetString());
        }

        // The next code: generate answers as for any address; SES accepts the mail and does not send it.
        Assert.Equal(HttpStatusCode.Accepted, await GenerateAsync(api, bouncing));
        Assert.True(await runner.WaitForOutputAsync($"SES stand-in: {bouncing} is on the suppression list: accepted, not sent", Patience.Wait), runner.Output);

        // Another address is mailed as before, and nothing ever reached the bouncing address's mailbox.
        Assert.Equal(HttpStatusCode.Accepted, await GenerateAsync(api, other));
        Assert.Single(await mail.WaitForMailAsync(other));
        Assert.Empty(await mail.SentMailAsync(bouncing));
        Assert.DoesNotContain("mail_failed", runner.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSuppressionList_IsManagedWithSesV2sOwnApi_AsAwsSesv2DoesIt()
    {
        await using var aws = await EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = null, SesPort = Ports.FreePort() }, TimeProvider.System);
        var lines = new List<string>();
        await using var standIn = await SesSuppressionStandIn.StartAsync(0, aws.SesEndpoint, [], line => { lock (lines) { lines.Add(line); } }, TimeProvider.System, CancellationToken.None);
        var address = $"complained-{Guid.NewGuid():N}@example.com";
        var entry = new Uri(standIn.Endpoint, $"/v2/email/suppression/addresses/{Uri.EscapeDataString(address)}");

        // PutSuppressedDestination, then Get, List, Delete; a second Delete finds nothing (NotFoundException).
        using (var put = await Http.PutAsync(new Uri(standIn.Endpoint, "/v2/email/suppression/addresses"), Json($$"""{"EmailAddress":"{{address}}","Reason":"COMPLAINT"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        Assert.Equal(StandInOutcome.Suppressed, standIn.OutcomeFor(address.ToUpperInvariant()));
        using (var listed = await Http.GetAsync(new Uri(standIn.Endpoint, "/v2/email/suppression/addresses?Reason=COMPLAINT")))
        {
            using var body = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
            Assert.Contains(address, body.RootElement.GetProperty("SuppressedDestinationSummaries").EnumerateArray().Select(s => s.GetProperty("EmailAddress").GetString()));
        }

        using (var deleted = await Http.DeleteAsync(entry))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        using var again = await Http.DeleteAsync(entry);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("NotFoundException", again.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal(StandInOutcome.Delivered, standIn.OutcomeFor(address));

        // SES's mailbox simulator, as SES answers it: bounce@ bounces without being suppressed; suppressionlist@ is suppressed.
        Assert.Equal(StandInOutcome.Bounced, standIn.OutcomeFor("bounce+label@simulator.amazonses.com"));
        Assert.Equal(StandInOutcome.Suppressed, standIn.OutcomeFor("suppressionlist@simulator.amazonses.com"));
        using var sent = await Http.PostAsync(new Uri(standIn.Endpoint, "/v2/email/outbound-emails"), Json(
            """{"FromEmailAddress":"no-reply@example.com","Destination":{"ToAddresses":["bounce@simulator.amazonses.com"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"t"}}}}}"""));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(StandInOutcome.Bounced, standIn.OutcomeFor("bounce@simulator.amazonses.com"));
    }

    private static async Task<HttpStatusCode> GenerateAsync(int api, string address)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{Text(api)}/otp/generate?email_address={Uri.EscapeDataString(address)}"));
        return response.StatusCode;
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
