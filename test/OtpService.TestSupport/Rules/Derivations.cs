using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>
/// Code derivations over keys a test gives, built the way the functions build theirs (a
/// <see cref="DeferredKey{T}"/>, here one already in: <see cref="DeferredKey.Known{T}(T)"/>, as for a
/// key given directly in local development).
/// </summary>
public static class Derivations
{
    /// <summary>One fixed key, version <see cref="OtpKey.LocalVersion"/>, never refreshed.</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="OtpKey.MinBytes"/>.</exception>
    public static CodeDerivation Fixed(ReadOnlySpan<byte> key, TimeProvider clock) =>
        Of(new OtpKeyRing(new OtpKey(OtpKey.LocalVersion, key)), clock);

    /// <summary>The ring in use from the start (its age counted from now on <paramref name="clock"/>), read again from <paramref name="source"/> when one is given.</summary>
    public static CodeDerivation Of(OtpKeyRing ring, TimeProvider clock, IOtpKeySource? source = null, TimeSpan? refreshInterval = null, Action<DependencyException>? refreshFailed = null) =>
        new(DeferredKey.Known(ring), clock, source, refreshInterval, refreshFailed);
}
