using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>The SES v2 sender against the real aws-ses-v2-local emulator: what it sends is what SES would store.</summary>
public class SesV2EmailSenderIntegrationTests
{
    private static SesV2EmailSender Sender(Uri endpoint) =>
        new(endpoint, new SignedAwsHttpClient(
            Dependency.SES,
            new AwsRequestSigner(SesV2EmailSender.SigningService, "us-east-1"),
            TimeProvider.System,
            new BasicAWSCredentials("AKIDLOCAL", "local-secret")));

    private static OutgoingEmail EmailTo(string to, string subject = "Your verification code") => new(
        "no-reply@example.com",
        to,
        subject,
        "<p>Use this code to verify your login at Simple Website</p><p><b>482913</b></p>",
        "Use this code to verify your login at Simple Website: 482913");

    [Fact]
    public async Task Send_DeliversHtmlAndTextToTheEmulator()
    {
        var emulators = await OtpService.Tests.Integration.EmulatorFixture.StartedAsync();
        var to = $"{Guid.NewGuid():N}@example.com";
        var email = EmailTo(to);

        await Sender(emulators.SesEndpoint).SendAsync(email, CancellationToken.None);

        using var http = new HttpClient();
        using var store = JsonDocument.Parse(await http.GetStringAsync(new Uri(emulators.SesEndpoint, "/store")));
        var sent = store.RootElement.GetProperty("emails").EnumerateArray()
            .Single(stored => stored.GetProperty("destination").GetProperty("to").EnumerateArray().Any(address => address.GetString() == to));
        Assert.Equal(email.From, sent.GetProperty("from").GetString());
        Assert.Equal(email.Subject, sent.GetProperty("subject").GetString());
        Assert.Equal(email.HtmlBody, sent.GetProperty("body").GetProperty("html").GetString());
        Assert.Equal(email.TextBody, sent.GetProperty("body").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("Bücher Team", "=?utf-8?b?QsO8Y2hlcg==?= Team <no-reply@example.com>")] // MimeKit encodes the one non-ASCII word
    [InlineData("認証チーム", null)]
    [InlineData("Acme, Inc.", "\"Acme, Inc.\" <no-reply@example.com>")]
    public async Task Send_WithASenderName_TheEmulatorGetsAnRfc2047MailboxWithTheAddressUnchanged(string name, string? expected)
    {
        var emulators = await OtpService.Tests.Integration.EmulatorFixture.StartedAsync();
        var to = $"{Guid.NewGuid():N}@example.com";

        await Sender(emulators.SesEndpoint).SendAsync(EmailTo(to) with { FromName = name }, CancellationToken.None);

        var sent = Assert.Single(await emulators.SentMailAsync(to));
        if (expected is not null)
        {
            Assert.Equal(expected, sent.From, ignoreCase: true);
        }

        Assert.EndsWith(" <no-reply@example.com>", sent.From, StringComparison.Ordinal);
        Assert.True(sent.From.All(char.IsAscii), "the From header must be ASCII on the wire (RFC 2047)");
        var mailbox = MimeKit.MailboxAddress.Parse(sent.From);
        Assert.Equal(("no-reply@example.com", name), (mailbox.Address, mailbox.Name));
    }

    [Fact]
    public async Task Send_WhenTheEmulatorRejectsTheRequest_ThrowsAConfigurationFailure()
    {
        // aws-ses-v2-local answers 400 to a mail without a subject, as SES does.
        var emulators = await OtpService.Tests.Integration.EmulatorFixture.StartedAsync();

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Sender(emulators.SesEndpoint).SendAsync(EmailTo($"{Guid.NewGuid():N}@example.com", subject: ""), CancellationToken.None));

        // A request SES refuses as malformed is our deployment's fault: never dropped as "undeliverable".
        Assert.Equal(FailureKind.Configuration, error.Kind);
        Assert.Contains("HTTP 400", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("482913", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WhenNothingListens_ThrowsATransientFailure()
    {
        var closedPort = ClosedLoopbackPort();

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Sender(new Uri($"http://127.0.0.1:{closedPort}")).SendAsync(EmailTo("user@example.com"), CancellationToken.None));

        Assert.Equal(FailureKind.Transient, error.Kind);
        Assert.Equal("ConnectionFailure", error.ErrorType);
    }

    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
