using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OtpService.Core.Rules;

/// <summary>
/// The code derivation: the HMAC of a stored random nonce under one version of the server's key,
/// truncated to digits (RFC 4226's HOTP construction, widened), so nothing
/// at rest (table, stream, logs) can produce the code without the key:
/// code = first 8 bytes of HMAC-SHA256(key, "otp-v1" 0x00 address 0x00 nonce), read as a
/// big-endian unsigned 64-bit number, modulo 10^digits, left-padded with zeros.
/// (HOTP truncates to 31 bits; 64 bits keeps 10-digit codes uniform: bias below 10^-9.)
/// <para>
/// Holds a key ring (current and previous key, by version id) and refreshes it from its
/// <see cref="IOtpKeySource"/>: when it is older than the refresh interval (so a SnapStart restore,
/// whose clock jumps past it, reloads the key frozen in the snapshot), and when a code names a key
/// version the ring lacks (a rotation seen first by the other function).
/// </para>
/// </summary>
public sealed class CodeDerivation
{
    public const int NonceBytes = 16;

    /// <summary>How long a loaded ring is used before it is read again.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>After a failed or fruitless read, the key store is not asked again for this long.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    private static readonly byte[] Domain = "otp-v1"u8.ToArray();

    private readonly IOtpKeySource? _source;
    private readonly DeferredKey<OtpKeyRing> _initial;
    private readonly Action<DependencyException>? _refreshFailed;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _refreshInterval;
    private volatile OtpKeyRing? _ring;
    // UTC ticks, read and written whole (Interlocked): concurrent invocations may share one instance.
    private long _loadedAt;
    private long _nextAttempt;

    /// <summary>
    /// A ring read from its key store when first needed: <paramref name="initial"/> was started at
    /// init and may not be in yet (the store was down, or refused). <see cref="RefreshAsync"/> awaits it
    /// and, after a failed read, reads again; until a read succeeds every caller gets the store's
    /// classified failure, which the functions answer as they answer any call failure. A ring known
    /// from the start (a key given directly, <see cref="DeferredKey.Known{T}(T)"/>) is in use at once.
    /// </summary>
    /// <param name="initial">The first read of the ring (started at init), or the ring itself when it is known.</param>
    /// <param name="clock">Decides when the ring is stale (the function's clock).</param>
    /// <param name="source">Where to read the ring again later (refresh); null: never refreshed.</param>
    /// <param name="refreshInterval">Default <see cref="DefaultRefreshInterval"/>.</param>
    /// <param name="refreshFailed">Told of each failed refresh (not of a failed first read, which fails its caller).</param>
    public CodeDerivation(DeferredKey<OtpKeyRing> initial, TimeProvider clock, IOtpKeySource? source = null, TimeSpan? refreshInterval = null, Action<DependencyException>? refreshFailed = null)
    {
        _initial = initial ?? throw new ArgumentNullException(nameof(initial));
        _ring = initial.Value;
        _refreshFailed = refreshFailed;
        _source = source;
        _clock = clock;
        _refreshInterval = refreshInterval ?? DefaultRefreshInterval;
        _loadedAt = _clock.GetUtcNow().UtcTicks;
        _nextAttempt = _loadedAt;
    }

    /// <summary>The version id new codes are derived under.</summary>
    /// <exception cref="DependencyException">The ring has not been read yet (call <see cref="RefreshAsync"/> first).</exception>
    public string CurrentKeyVersion => Loaded.Current.Version;

    /// <summary>The ring in use, the first read's result once it is in, or the failure callers get until then.</summary>
    private OtpKeyRing Loaded => _ring ?? _initial.Value
        ?? throw new DependencyException(Dependency.SecretsManager, FailureKind.Transient, "KeyRingNotLoaded", "The code key ring has not been read from its key store yet.");

    /// <summary>A fresh nonce, unique even across SnapStart restores (<see cref="SnapshotSafeRandom"/>).</summary>
    public static byte[] NewNonce() => SnapshotSafeRandom.GetBytes(NonceBytes);

    /// <summary>
    /// Reads the ring again when it is older than the refresh interval, or when
    /// <paramref name="neededVersion"/> is given and not in it. A failed read keeps the ring in use
    /// and is not retried for <see cref="RetryInterval"/>. Cheap when nothing is due (a clock read).
    /// </summary>
    /// <remarks>
    /// Before the first read of the ring succeeded it awaits that read (or a new one) instead, and
    /// throws its failure.
    /// </remarks>
    /// <exception cref="DependencyException">The ring has never been read and this read failed too.</exception>
    public async ValueTask RefreshAsync(string? neededVersion, CancellationToken cancellationToken)
    {
        if (_ring is null)
        {
            // A ring read during init (after this was built, before a SnapStart snapshot) keeps init's
            // time as its age, so a restore still reads it again; one read just now is new.
            var readAtInit = _initial.Value is not null;
            var first = await _initial.GetAsync(cancellationToken).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref _ring, first, null) is null && !readAtInit)
            {
                Interlocked.Exchange(ref _loadedAt, _clock.GetUtcNow().UtcTicks);
            }
        }

        var now = _clock.GetUtcNow().UtcTicks;
        var nextAttempt = Interlocked.Read(ref _nextAttempt);
        if (_source is null || now < nextAttempt || !IsDue(neededVersion, now))
        {
            return;
        }

        // Claimed before the await: concurrent callers keep using the ring in use instead of reading too.
        if (Interlocked.CompareExchange(ref _nextAttempt, now + RetryInterval.Ticks, nextAttempt) != nextAttempt)
        {
            return;
        }

        try
        {
            _ring = await _source.LoadAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _loadedAt, now);
        }
        catch (DependencyException failure)
        {
            // The ring in use still derives every code mailed under it; try again after RetryInterval.
            _refreshFailed?.Invoke(failure);
        }
    }

    /// <summary>The code for this nonce under the key with version <paramref name="keyVersion"/>.</summary>
    /// <exception cref="KeyNotFoundException">The ring holds no key with that version.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="digits"/> is not 6..10.</exception>
    public string Derive(string keyVersion, string normalizedAddress, ReadOnlySpan<byte> nonce, int digits)
    {
        ArgumentNullException.ThrowIfNull(keyVersion);
        var key = Loaded.Find(keyVersion)
            ?? throw new KeyNotFoundException($"No OTP key with version '{keyVersion}' is loaded (current: '{CurrentKeyVersion}').");
        return Derive(key, normalizedAddress, nonce, digits);
    }

    /// <summary>
    /// Whether <paramref name="submitted"/> is the code for this nonce under the key with version
    /// <paramref name="keyVersion"/> (the one its mail was derived under), or under the current key
    /// when no version was recorded; null when the ring holds no key with that version (so nothing
    /// can match). One read of the ring, so a concurrent refresh cannot drop the key between the
    /// lookup and the derivation. Constant time in the code's content.
    /// </summary>
    public bool? MatchesRecorded(string? keyVersion, string normalizedAddress, ReadOnlySpan<byte> nonce, int digits, string submitted)
    {
        var ring = Loaded;
        var key = keyVersion is null ? ring.Current : ring.Find(keyVersion);
        return key is null ? null : SameCode(Derive(key, normalizedAddress, nonce, digits), submitted);
    }

    /// <summary>
    /// True when <paramref name="submitted"/> is the code for this nonce under the current or the
    /// previous key (for a code whose key version is not known). Always two derivations (the current
    /// key twice when there is no previous one) and no early exit, so the time taken says nothing of
    /// which key matched or whether there is a previous key.
    /// </summary>
    public bool MatchesAnyKey(string normalizedAddress, ReadOnlySpan<byte> nonce, int digits, string submitted)
    {
        var ring = Loaded;
        var underCurrent = SameCode(Derive(ring.Current, normalizedAddress, nonce, digits), submitted);
        var underPrevious = SameCode(Derive(ring.Previous ?? ring.Current, normalizedAddress, nonce, digits), submitted);
        return underCurrent | underPrevious;
    }

    private bool IsDue(string? neededVersion, long now) =>
        now - Interlocked.Read(ref _loadedAt) >= _refreshInterval.Ticks || (neededVersion is not null && Loaded.Find(neededVersion) is null);

    private static string Derive(OtpKey key, string normalizedAddress, ReadOnlySpan<byte> nonce, int digits)
    {
        ArgumentNullException.ThrowIfNull(normalizedAddress);
        if (digits is < 6 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(digits), "A code has 6 to 10 digits.");
        }

        var address = Encoding.UTF8.GetBytes(normalizedAddress);
        var message = new byte[Domain.Length + 1 + address.Length + 1 + nonce.Length];
        Domain.CopyTo(message, 0);
        address.CopyTo(message, Domain.Length + 1);
        nonce.CopyTo(message.AsSpan(Domain.Length + 1 + address.Length + 1));

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key.Material, message, mac);
        var number = BinaryPrimitives.ReadUInt64BigEndian(mac) % Pow10(digits);
        return number.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    private static bool SameCode(string expected, string submitted)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(submitted));
    }

    private static ulong Pow10(int digits)
    {
        ulong result = 1;
        for (var i = 0; i < digits; i++)
        {
            result *= 10;
        }

        return result;
    }
}
