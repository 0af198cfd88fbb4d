using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace OtpService.Core.Rules;

/// <summary>
/// Pseudonyms for callers and addresses, so neither is stored in clear in limiter records:
/// HMAC-SHA256 under a server-side key (OTP_CLIENT_KEY_SECRET_ARN), truncated, base64url.
/// Keyed on purpose: IPv4 has only 2^32 values, so an unkeyed hash of an IP is reversed by
/// hashing them all. IPv6 callers are keyed by their /64 prefix (one subscriber's usual
/// allocation, RFC 6177), or a single host could be a new client per address it owns.
/// </summary>
public sealed class ClientTagger
{
    public const int MinKeyBytes = 32;

    /// <summary>The client id of a request that carries none (every such request shares one limit).</summary>
    public const string UnknownClient = "unknown";

    private readonly DeferredKey<byte[]> _key;

    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinKeyBytes"/>.</exception>
    public ClientTagger(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"The client key must be at least {MinKeyBytes} bytes.", nameof(key));
        }

        _key = DeferredKey.Known(key.ToArray());
    }

    /// <summary>A tagger whose key is read from a key store when first needed (<see cref="ClientAsync"/> awaits it).</summary>
    /// <param name="key">The read, started at init; it refuses a key shorter than <see cref="MinKeyBytes"/> (a configuration error).</param>
    public ClientTagger(DeferredKey<byte[]> key) => _key = key ?? throw new ArgumentNullException(nameof(key));

    /// <summary>
    /// <see cref="Client"/>, after waiting for the key if it has not been read yet (a key store down at
    /// init is read again here, within the caller's time).
    /// </summary>
    /// <exception cref="DependencyException">The key store failed (transient or configuration).</exception>
    public async ValueTask<string> ClientAsync(string? clientId, CancellationToken cancellationToken)
    {
        await _key.GetAsync(cancellationToken).ConfigureAwait(false);
        return Client(clientId);
    }

    /// <summary>"c" and 22 base64url characters (128 bits): the caller's tag in address and client records.</summary>
    /// <exception cref="DependencyException">The key has not been read yet (use <see cref="ClientAsync"/>).</exception>
    public string Client(string? clientId) => "c" + Tag("client-v1", Canonical(clientId), 16);

    /// <summary>Characters in an address tag (<see cref="Address"/>): 8 bytes, base64url without padding.</summary>
    public const int AddressTagLength = 11;

    /// <summary>11 base64url characters (64 bits): an address as one client's limiter record holds it.</summary>
    public string Address(string normalizedAddress) => Tag("address-v1", normalizedAddress, 8);

    /// <summary>
    /// The client id as limits see it: the host of an IP address, with or without a port, in its
    /// canonical text (<c>198.51.100.16</c>, <c>198.51.100.16:40001</c> and
    /// <c>::ffff:198.51.100.16</c> are one client; <c>[2001:db8::1]:443</c> is <c>2001:db8::1</c>),
    /// IPv6 cut to its /64; other text as given. API Gateway's sourceIp carries a port behind some
    /// front ends (CloudFront, mTLS custom domains), and a port is per connection, not per client.
    /// </summary>
    public static string Canonical(string? clientId)
    {
        var id = clientId?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            return UnknownClient;
        }

        if (Host(id) is not { } ip)
        {
            return id;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return ip.ToString();
        }

        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>The address of an IP or IP endpoint (RFC 3986 host[:port]: IPv4, IPv6, bracketed IPv6), or null when it is neither.</summary>
    private static IPAddress? Host(string id)
    {
        if (IPEndPoint.TryParse(id, out var endpoint))
        {
            return endpoint.Address;
        }

        // An IPv4-mapped IPv6 address with a port and no brackets (::ffff:198.51.100.16:40001) is not
        // ambiguous, as the dotted quad can only end an IPv6 address; IPEndPoint reads it whole and fails.
        var colon = id.LastIndexOf(':');
        return colon > 0
            && id.AsSpan(0, colon).Contains('.')
            && ushort.TryParse(id.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && IPAddress.TryParse(id.AsSpan(0, colon), out var mapped)
            && mapped.IsIPv4MappedToIPv6
                ? mapped
                : null;
    }

    private string Tag(string domain, string value, int bytes)
    {
        var message = Encoding.UTF8.GetBytes(domain + "\0" + value);
        var key = _key.Value ?? throw new DependencyException(Dependency.SecretsManager, FailureKind.Transient, "ClientKeyNotLoaded", "The client key has not been read from its key store yet.");
        var mac = HMACSHA256.HashData(key, message);
        return Base64Url.EncodeToString(mac.AsSpan(0, bytes));
    }
}
