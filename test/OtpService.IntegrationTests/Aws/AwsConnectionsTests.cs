using Amazon.Runtime;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// <see cref="AwsConnections.Renew"/> on the signed calls (SES v2 and Secrets Manager share one
/// pooled client), against aws-ses-v2-local behind <see cref="SnapshotProxy"/>, which makes the
/// connections open at a "restore" black holes. The SDK clients' side is in Bootstrap/SnapStartTests.
/// </summary>
public class AwsConnectionsTests
{
    [Fact]
    public async Task AfterRenew_ASignedCall_OpensANewConnection_AndSendsNothingOnAPooledOne()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        await using var proxy = new SnapshotProxy(emulators.SesEndpoint);
        var sender = new SesV2EmailSender(proxy.Url, new SignedAwsHttpClient(
            Dependency.SES,
            new AwsRequestSigner(SesV2EmailSender.SigningService, "us-east-1"),
            TimeProvider.System,
            new BasicAWSCredentials("AKIDLOCAL", "local-secret"),
            timeout: TimeSpan.FromSeconds(30)));
        var before = $"before-{Guid.NewGuid():N}@example.com";
        var after = $"after-{Guid.NewGuid():N}@example.com";
        await sender.SendAsync(Mail(before), CancellationToken.None);
        Assert.True(proxy.Connections >= 1, "the first send should have left a pooled connection");

        proxy.Cut();
        AwsConnections.Renew();
        await sender.SendAsync(Mail(after), CancellationToken.None);

        Assert.Single(await emulators.WaitForMailAsync(after));
        Assert.Equal(0, proxy.BytesSentOnCutConnections);
        Assert.True(proxy.ConnectionsSinceCut >= 1);
    }

    private static OutgoingEmail Mail(string to) => new("no-reply@example.com", to, "Your verification code", "<p>482913</p>", "482913");
}
