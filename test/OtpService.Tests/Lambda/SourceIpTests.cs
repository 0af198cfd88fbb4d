using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// One host is one client whatever form its IP arrives in: REST requestContext.identity.sourceIp,
/// HTTP API requestContext.http.sourceIp, or the OTP_CLIENT_IP_HEADER header; IPv4 or IPv6, with or
/// without a port, IPv4-mapped. So a client's share of an address holds for a host whose every
/// connection has a new port (sourceIp behind CloudFront or an mTLS domain). The share is set to 2
/// codes an hour here (the default is 4), so three calls tell one client from three.
/// </summary>
public class SourceIpTests
{
    private const string Address = "user@example.com";

    /// <summary>Three generate calls for one address, 30 s apart (past the cooldown), from the given forms of one host, with a client's share of 2.</summary>
    private static async Task<int[]> ThreeCodes(Func<int, ApiEvent> request, OtpSettings? settings = null)
    {
        var h = new RuleHarness((settings ?? new OtpSettings()) with { ClientMaxSendsPerAddressPerHour = 2 });
        var generate = new GenerateOtp.Function(h.Issuer, h.Settings, new InvocationLog(TextWriter.Null, "GenerateOtp", TimeProvider.System));
        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await ApiResult.ReadAsync(generate.FunctionHandler(request(i).ToStream()))).StatusCode);
            h.Advance(30);
        }

        return [.. statuses];
    }

    public static TheoryData<string, string[]> OneHost => new()
    {
        { "IPv4 with a new port each time (the issue's example)", ["198.51.100.16:40001", "198.51.100.16:40002", "198.51.100.16:40003"] },
        { "IPv4 with and without a port, and IPv4-mapped", ["198.51.100.16", "198.51.100.16:443", "::ffff:198.51.100.16"] },
        { "bracketed IPv6 with ports", ["[2001:db8::1]:443", "[2001:db8::1]:40001", "2001:db8::1"] },
        { "IPv4-mapped IPv6 with a port, bracketed or not", ["[::ffff:198.51.100.16]:1", "::ffff:198.51.100.16:2", "198.51.100.16:3"] },
    };

    [Theory]
    [MemberData(nameof(OneHost))]
    public async Task OneHost_InTheRestApisSourceIp_GetsOnlyItsShareOfAnAddress(string because, string[] forms)
    {
        var statuses = await ThreeCodes(i => ApiEvent.Get("/otp/generate").Query("email_address", Address).From(forms[i]));

        Assert.True(statuses is [202, 202, 429], $"{because}: {string.Join(", ", statuses)}");
    }

    [Theory]
    [MemberData(nameof(OneHost))]
    public async Task OneHost_InTheHttpApisSourceIp_GetsOnlyItsShareOfAnAddress(string because, string[] forms)
    {
        var statuses = await ThreeCodes(i => ApiEvent.HttpApi("GET", "/otp/generate", "email_address=user%40example.com").From(forms[i]));

        Assert.True(statuses is [202, 202, 429], $"{because}: {string.Join(", ", statuses)}");
    }

    [Theory]
    [MemberData(nameof(OneHost))]
    public async Task OneHost_InTheClientIpHeader_GetsOnlyItsShareOfAnAddress(string because, string[] forms)
    {
        var settings = new OtpSettings { ClientIpHeader = "X-Forwarded-For" };

        // The header's first value is the end user; what follows are proxies, and the connection (sourceIp) is the backend.
        var statuses = await ThreeCodes(
            i => ApiEvent.Get("/otp/generate").Query("email_address", Address).Header("X-Forwarded-For", $"{forms[i]}, 10.0.0.{i}").From($"192.0.2.{i}:{40000 + i}"),
            settings);

        Assert.True(statuses is [202, 202, 429], $"{because}: {string.Join(", ", statuses)}");
    }

    [Fact]
    public async Task TwoHosts_WithTheSamePort_AreTwoClients()
    {
        var statuses = await ThreeCodes(i => ApiEvent.Get("/otp/generate").Query("email_address", Address).From(i < 2 ? "198.51.100.16:443" : "198.51.100.17:443"));

        Assert.Equal([202, 202, 202], statuses);
    }
}
