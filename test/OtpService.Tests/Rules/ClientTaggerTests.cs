using System.Text;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

public class ClientTaggerTests
{
    private readonly ClientTagger _tagger = TestKeys.Tagger();

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData(" 192.0.2.1 ", "192.0.2.1")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:DB8:1:2:ffff::1", "2001:db8:1:2::/64")]
    [InlineData("", "unknown")]
    [InlineData(null, "unknown")]
    [InlineData("user-42", "user-42")]
    public void Canonical_KeepsIPv4_CutsIPv6ToItsSlash64_AndKeepsOtherIds(string? id, string expected) =>
        Assert.Equal(expected, ClientTagger.Canonical(id));

    /// <summary>Source IPs as API Gateway sends them behind CloudFront or an mTLS custom domain: with the connection's port.</summary>
    [Theory]
    [InlineData("198.51.100.16:40001", "198.51.100.16")]
    [InlineData("198.51.100.16:0", "198.51.100.16")]
    [InlineData(" 198.51.100.16:65535 ", "198.51.100.16")]
    [InlineData("[2001:db8:1:2::1]:443", "2001:db8:1:2::/64")]
    [InlineData("[2001:db8:1:2::1]", "2001:db8:1:2::/64")]
    [InlineData("[::ffff:198.51.100.16]:40001", "198.51.100.16")]
    [InlineData("::ffff:198.51.100.16:40001", "198.51.100.16")]
    [InlineData("[fe80::1%4]:443", "fe80::/64")]
    [InlineData("198.51.100.16:65536", "198.51.100.16:65536")] // no port: not an endpoint, so text as given
    [InlineData("198.51.100.16:x", "198.51.100.16:x")]
    [InlineData("::ffff:2001:db8::1:80", "::ffff:2001:db8::1:80")]
    // A mapped address in hex with a 5-digit port: ambiguous without brackets (no dotted quad), so text as given.
    [InlineData("::ffff:c633:6410:65535", "::ffff:c633:6410:65535")]
    // A mapped dotted quad with something that is no port after it: text as given.
    [InlineData("::ffff:198.51.100.16:x", "::ffff:198.51.100.16:x")]
    [InlineData("::ffff:198.51.100.16:65536", "::ffff:198.51.100.16:65536")]
    [InlineData("::ffff:198.51.100.16:+80", "::ffff:198.51.100.16:+80")]
    // A dotted quad that is no mapped address, with a port: not this form.
    [InlineData("2001:db8::198.51.100.16:80", "2001:db8::198.51.100.16:80")]
    public void Canonical_DropsThePort_OfAnyIpEndpoint(string id, string expected) =>
        Assert.Equal(expected, ClientTagger.Canonical(id));

    [Fact]
    public void Client_IsOneTag_ForEveryFormOfOneHost()
    {
        string[] v4 = ["198.51.100.16", "198.51.100.16:40001", "198.51.100.16:40002", "::ffff:198.51.100.16", "::ffff:198.51.100.16:443", "[::ffff:198.51.100.16]:1"];
        string[] v6 = ["2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:443", "[2001:db8::1]:40001", "2001:DB8:0:0:0:0:0:1"];

        Assert.Single(v4.Select(_tagger.Client).Distinct());
        Assert.Single(v6.Select(_tagger.Client).Distinct());
        Assert.NotEqual(_tagger.Client(v4[0]), _tagger.Client(v6[0]));
        Assert.Equal("c5rCqKa5koUzbFSmHpMM9kg", _tagger.Client("192.0.2.1:51000")); // the known answer of 192.0.2.1: no limit resets at deploy
    }

    [Fact]
    public void Client_IsStableForOneCaller_AndDiffersBetweenCallers_AndBetweenKeys()
    {
        var other = new ClientTagger(Encoding.UTF8.GetBytes("another-client-key-another-client-key-0000"));

        Assert.Equal(_tagger.Client("192.0.2.1"), _tagger.Client("::ffff:192.0.2.1"));
        Assert.Equal(_tagger.Client("2001:db8::1"), _tagger.Client("2001:db8::2"));
        Assert.NotEqual(_tagger.Client("192.0.2.1"), _tagger.Client("192.0.2.2"));
        Assert.NotEqual(_tagger.Client("192.0.2.1"), other.Client("192.0.2.1"));
        Assert.Matches("^c[A-Za-z0-9_-]{22}$", _tagger.Client("192.0.2.1"));
        Assert.Matches("^[A-Za-z0-9_-]{11}$", _tagger.Address("user@example.com"));
    }

    [Fact]
    public void ClientAndAddressTags_AreDomainSeparated()
    {
        Assert.NotEqual(_tagger.Client("user@example.com")[1..12], _tagger.Address("user@example.com"));
    }

    [Fact]
    public void Constructor_RefusesShortKeys_SayingTheLengthItMustHave()
    {
        var refused = Assert.Throws<ArgumentException>(() => new ClientTagger(new byte[31]));

        Assert.Equal("key", refused.ParamName);
        Assert.Contains("at least 32 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_BeforeTheKeyIsRead_IsATransientSecretsManagerFailure_SayingSo()
    {
        var tagger = new ClientTagger(new DeferredKey<byte[]>(_ => new TaskCompletionSource<byte[]>().Task));

        var failure = Failures.Throws(Dependency.SecretsManager, FailureKind.Transient, () => tagger.Client("192.0.2.1"));

        Assert.Equal("ClientKeyNotLoaded", failure.ErrorType);
        Assert.Contains("client key has not been read", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RefusesANullRead() =>
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => new ClientTagger((DeferredKey<byte[]>)null!)).ParamName);

    /// <summary>
    /// Known answers: tags are stored in limiter records, so a change would reset every limit at
    /// deploy. Computed independently with python3:
    /// <c>base64.urlsafe_b64encode(hmac.new(key, domain + b"\0" + value, sha256).digest()[:n])</c>, unpadded.
    /// </summary>
    [Theory]
    [InlineData("192.0.2.1", "c5rCqKa5koUzbFSmHpMM9kg")]
    [InlineData("2001:db8:1:2:3:4:5:6", "cPDHH6sL7sP-NeesrCXUylQ")]
    [InlineData("   ", "ciU59z327X_g-hBgFOW4pHg")] // blank: the shared unknown client
    public void Client_GivesTheKnownAnswer(string clientId, string expected) =>
        Assert.Equal(expected, _tagger.Client(clientId));

    [Fact]
    public void Address_GivesTheKnownAnswer() =>
        Assert.Equal("dbdoRmNdm_o", _tagger.Address("user@example.com"));

    [Fact]
    public void Constructor_TakesAKeyOfExactlyTheMinimumLength()
    {
        var tagger = new ClientTagger(new byte[ClientTagger.MinKeyBytes]);

        Assert.Matches("^c[A-Za-z0-9_-]{22}$", tagger.Client("192.0.2.1"));
    }
}
