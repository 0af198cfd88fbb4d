using OtpService.Local.Emulators;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>Free-port choice for the runner and the test fixtures (real sockets: binding port 0 on loopback).</summary>
public class FreePortTests
{
    [Fact]
    public void FreePort_NeverHandsOutOnePortTwice_AcrossCallersOneAfterAnother()
    {
        // CI saw the runner's --dynamodb-port and --ses-port come back equal from two calls in a
        // row: the OS may hand a just-released port out again. 1,000 calls in a row would repeat
        // some ports (tens, by the birthday bound on ~28,000 ephemeral ports) without the record.
        var ports = Enumerable.Range(0, 1000).Select(_ => Ports.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
