using OtpService.Tests.Integration;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.DynamoDBv2.Model;
using OtpService.Local.Emulators;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Aws;

public sealed class EmulatorFixtureTests
{
    private static readonly HttpClient Http = Patience.HttpClient();

    [Fact]
    public async Task StartedAsync_StartsBothEmulatorsOnLoopback_Once()
    {
        var calls = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => EmulatorFixture.StartedAsync()));

        var emulators = calls[0];
        Assert.All(calls, c => Assert.Same(emulators, c));
        Assert.Equal("127.0.0.1", emulators.DynamoDbEndpoint.Host);
        Assert.Equal("127.0.0.1", emulators.SesEndpoint.Host);
        using var health = await Http.GetAsync(new Uri(emulators.SesEndpoint, "/health-check"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var client = emulators.CreateDynamoDbClient();
        await client.ListTablesAsync(new ListTablesRequest());
    }

    [Fact]
    public async Task CreateTableAsync_CreatesAnActiveTableWithTheDesignKeys_Idempotently()
    {
        var emulators = await EmulatorFixture.StartedAsync();

        var name = await emulators.CreateTableAsync();
        var again = await emulators.CreateTableAsync(name);

        Assert.Equal(name, again);
        using var client = emulators.CreateDynamoDbClient();
        var table = (await client.DescribeTableAsync(name)).Table;
        Assert.Equal("ACTIVE", table.TableStatus.Value);
        Assert.Contains(table.KeySchema, k => k.AttributeName == "email_id" && k.KeyType == "HASH");
        Assert.Contains(table.KeySchema, k => k.AttributeName == "EXPIRATION_TIME" && k.KeyType == "RANGE");
        Assert.Contains(table.AttributeDefinitions, a => a.AttributeName == "EXPIRATION_TIME" && a.AttributeType == "N");
    }

    [Fact]
    public async Task SentMailAsync_ListsAMailPostedAsRawSesV2Json()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var to = $"fixture-{Guid.NewGuid():N}@example.com";
        var json = """
            {"FromEmailAddress":"no-reply@example.com","Destination":{"ToAddresses":["TO"]},
             "Content":{"Simple":{"Subject":{"Data":"Your code"},"Body":{"Text":{"Data":"plain 123456"},"Html":{"Data":"<b>123456</b>"}}}}}
            """.Replace("TO", to, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(emulators.SesEndpoint, "/v2/email/outbound-emails"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/ses/aws4_request");

        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();

        var mail = Assert.Single(await emulators.SentMailAsync(to));
        Assert.Equal("no-reply@example.com", mail.From);
        Assert.Equal([to], mail.To);
        Assert.Equal("Your code", mail.Subject);
        Assert.Equal("plain 123456", mail.Text);
        Assert.Equal("<b>123456</b>", mail.Html);
        Assert.InRange(mail.At, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task StopAsync_LeavesNoEmulatorProcessAndFreesThePorts()
    {
        var own = await EmulatorFixture.StartOwnAsync();
        var pids = own.Endpoints.ProcessIds;
        Assert.All(pids, pid => Assert.True(IsRunning(pid), $"emulator {pid} should run"));

        await own.DisposeAsync();

        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"emulator {pid} is still running"));
        Assert.True(Ports.IsFree(own.Endpoints.DynamoDbEndpoint.Port));
        Assert.True(Ports.IsFree(own.Endpoints.SesEndpoint.Port));
    }

    [Fact]
    public async Task StartAsync_WithABusyPort_FailsNamingThePort_AndStartsNothing()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var busy = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var free = Ports.FreePort();

        var error = await Assert.ThrowsAsync<PortInUseException>(
            () => EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = free, SesPort = busy }, TimeProvider.System));

        Assert.Equal([busy], error.Ports);
        Assert.Contains(busy.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.True(Ports.IsFree(free), "dynalite must not be started when the SES port is busy");
    }

    [Fact]
    public async Task StartAsync_WithBothPortsBusy_NamesBothAtOnce()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        var (dynamo, ses) = (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);

        var error = await Assert.ThrowsAsync<PortInUseException>(
            () => EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = dynamo, SesPort = ses }, TimeProvider.System));

        Assert.Equal([dynamo, ses], error.Ports);
        Assert.Contains("--dynamodb-port", error.Message, StringComparison.Ordinal);
        Assert.Contains("--ses-port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_StartsOnlyTheEmulatorsAskedFor()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { DynamoDbPort = null, SesPort = Ports.FreePort() }, TimeProvider.System);

        Assert.Null(host.DynamoDbProcess);
        Assert.Single(host.Started);
        Assert.True(await Ports.AcceptsConnectionsAsync(host.SesEndpoint.Port, CancellationToken.None));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
