using System.Text;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

public class CodeDerivationTests
{
    private static readonly byte[] Nonce = Convert.FromHexString("00112233445566778899aabbccddeeff");

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(10)]
    public void Derive_GivesDigitsOfTheConfiguredLength(int digits)
    {
        var code = TestKeys.Derivation().Derive(OtpKey.LocalVersion, "user@example.com", Nonce, digits);

        Assert.Equal(digits, code.Length);
        Assert.True(code.All(char.IsAsciiDigit), code);
    }

    /// <summary>
    /// Known answers: the derivation is a wire format between two separately deployed functions, so
    /// it is pinned. The expected codes were computed independently with python3's hmac module:
    /// <c>n = int.from_bytes(hmac.new(key, b"otp-v1\0" + address + b"\0" + nonce, sha256).digest()[:8], "big")</c>,
    /// then <c>str(n % 10**digits).zfill(digits)</c>.
    /// </summary>
    [Theory]
    [InlineData("local-development-key-not-for-production-use-000000", "user@example.com", "00112233445566778899aabbccddeeff", 6, "044143")]
    [InlineData("local-development-key-not-for-production-use-000000", "user@example.com", "00112233445566778899aabbccddeeff", 8, "97044143")]
    [InlineData("local-development-key-not-for-production-use-000000", "user@example.com", "00112233445566778899aabbccddeeff", 10, "7697044143")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "a.b+c@xn--bcher-kva.example", "00000000000000000000000000000000", 6, "030053")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "a.b+c@xn--bcher-kva.example", "00000000000000000000000000000000", 8, "04030053")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "a.b+c@xn--bcher-kva.example", "00000000000000000000000000000000", 10, "3404030053")]
    public void Derive_GivesTheKnownAnswer(string key, string address, string nonceHex, int digits, string expected)
    {
        // A 64-hex-digit key is the raw bytes 0x00..0x1f; any other key is its UTF-8 text.
        var keyBytes = key.Length == 64 && key.All(char.IsAsciiHexDigit) ? Convert.FromHexString(key) : Encoding.UTF8.GetBytes(key);
        var codes = Derivations.Fixed(keyBytes, TimeProvider.System);

        Assert.Equal(expected, codes.Derive(codes.CurrentKeyVersion, address, Convert.FromHexString(nonceHex), digits));
        Assert.Equal(expected, codes.Derive(OtpKey.LocalVersion, address, Convert.FromHexString(nonceHex), digits));
        Assert.True(codes.MatchesRecorded(OtpKey.LocalVersion, address, Convert.FromHexString(nonceHex), digits, expected));
    }

    [Fact]
    public void Derive_DependsOnKeyAddressAndNonce()
    {
        var codes = TestKeys.Derivation();
        var otherKey = Derivations.Fixed(Encoding.UTF8.GetBytes(new string('k', 40)), TimeProvider.System);
        var baseline = codes.Derive(OtpKey.LocalVersion, "user@example.com", Nonce, 10);

        Assert.NotEqual(baseline, otherKey.Derive(OtpKey.LocalVersion, "user@example.com", Nonce, 10));
        Assert.NotEqual(baseline, codes.Derive(OtpKey.LocalVersion, "other@example.com", Nonce, 10));
        Assert.NotEqual(baseline, codes.Derive(OtpKey.LocalVersion, "user@example.com", CodeDerivation.NewNonce(), 10));
    }

    [Fact]
    public void Derive_KeepsLeadingZeros()
    {
        var codes = TestKeys.Derivation();
        // About one nonce in ten gives a code starting with 0; 500 tries miss one with odds 10^-23.
        var withLeadingZero = Enumerable.Range(0, 500).Select(_ => codes.Derive(OtpKey.LocalVersion, "user@example.com", CodeDerivation.NewNonce(), 6)).FirstOrDefault(c => c[0] == '0');

        Assert.NotNull(withLeadingZero);
        Assert.Equal(6, withLeadingZero.Length);
    }

    [Theory]
    [InlineData(6, 5)]
    [InlineData(10, 0)]
    [InlineData(10, 9)]
    public void Derive_SpreadsCodesEvenlyOverDigits(int digits, int position)
    {
        // The first digit at 10 digits is where a narrower truncation shows: HOTP's 31 bits
        // (below 2.2 * 10^9) would make it only 0, 1 or 2.
        var codes = TestKeys.Derivation();
        var counts = new int[10];
        for (var i = 0; i < 20_000; i++)
        {
            counts[codes.Derive(OtpKey.LocalVersion, "user@example.com", CodeDerivation.NewNonce(), digits)[position] - '0']++;
        }

        // 2,000 expected per digit; 6 standard deviations (~255) is far outside chance.
        Assert.All(counts, count => Assert.InRange(count, 1_700, 2_300));
    }

    [Fact]
    public void MatchesRecorded_AcceptsOnlyTheDerivedCode()
    {
        var codes = TestKeys.Derivation();
        var code = codes.Derive(OtpKey.LocalVersion, "user@example.com", Nonce, 6);
        var wrong = ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(codes.MatchesRecorded(null, "user@example.com", Nonce, 6, code));
        Assert.False(codes.MatchesRecorded(null, "user@example.com", Nonce, 6, wrong));
        Assert.False(codes.MatchesRecorded(null, "user@example.com", Nonce, 6, code + "0"));
        Assert.False(codes.MatchesRecorded(null, "user@example.com", Nonce, 6, ""));
    }

    [Fact]
    public void NewNonce_IsSixteenFreshRandomBytes()
    {
        var nonces = Enumerable.Range(0, 100).Select(_ => Convert.ToHexString(CodeDerivation.NewNonce())).ToHashSet();

        Assert.Equal(100, nonces.Count);
        Assert.All(nonces, n => Assert.Equal(CodeDerivation.NonceBytes * 2, n.Length));
    }

    [Fact]
    public void AFixedKey_IsRefusedWhenShort_AndIsOtherwiseTheLocalVersion()
    {
        Assert.Throws<ArgumentException>(() => Derivations.Fixed(new byte[31], TimeProvider.System));
        Assert.Equal(OtpKey.LocalVersion, Derivations.Fixed(new byte[32], TimeProvider.System).CurrentKeyVersion);
    }

    [Fact]
    public void Constructor_RefusesAMissingRing_NamingIt()
    {
        Assert.Equal("initial", Assert.Throws<ArgumentNullException>(() => new CodeDerivation(null!, TimeProvider.System)).ParamName);
    }

    private static readonly OtpKey KeyV1 = new("v1", Encoding.UTF8.GetBytes(new string('1', 40)));
    private static readonly OtpKey KeyV2 = new("v2", Encoding.UTF8.GetBytes(new string('2', 40)));
    private static readonly OtpKey KeyV3 = new("v3", Encoding.UTF8.GetBytes(new string('3', 40)));

    [Fact]
    public void Derive_UsesTheKeyOfTheGivenVersion_AndNewCodesTheCurrentOne()
    {
        var codes = Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), TimeProvider.System);

        var underV1 = Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", "user@example.com", Nonce, 8);
        var underV2 = Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).Derive("v2", "user@example.com", Nonce, 8);

        Assert.NotEqual(underV1, underV2);
        Assert.Equal("v2", codes.CurrentKeyVersion);
        Assert.Equal(underV2, codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 8));
        Assert.Equal(underV1, codes.Derive("v1", "user@example.com", Nonce, 8));
        Assert.True(codes.MatchesRecorded("v1", "user@example.com", Nonce, 8, underV1));
        Assert.False(codes.MatchesRecorded("v1", "user@example.com", Nonce, 8, underV2));
        Assert.False(codes.MatchesRecorded(null, "user@example.com", Nonce, 8, underV1));
    }

    [Fact]
    public void MatchesRecorded_UsesTheRecordedVersion_TheCurrentKeyWithoutOne_AndIsNullForAVersionInNeitherStage()
    {
        var codes = Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), TimeProvider.System);
        var underV1 = Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", "user@example.com", Nonce, 6);
        var underV2 = Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).Derive("v2", "user@example.com", Nonce, 6);

        Assert.True(codes.MatchesRecorded("v1", "user@example.com", Nonce, 6, underV1));
        Assert.False(codes.MatchesRecorded("v1", "user@example.com", Nonce, 6, underV2));
        Assert.True(codes.MatchesRecorded("v2", "user@example.com", Nonce, 6, underV2));
        Assert.True(codes.MatchesRecorded(null, "user@example.com", Nonce, 6, underV2));
        Assert.False(codes.MatchesRecorded(null, "user@example.com", Nonce, 6, underV1));
        Assert.Null(codes.MatchesRecorded("v0", "user@example.com", Nonce, 6, underV1));
        Assert.False(codes.MatchesRecorded("v2", "user@example.com", Nonce, 6, underV2[..5]));
    }

    [Fact]
    public void MatchesAnyKey_TakesACodeUnderTheCurrentOrThePreviousKey_Only()
    {
        var third = new OtpKey("v3", Enumerable.Repeat((byte)3, 32).ToArray());
        var underV1 = Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", "user@example.com", Nonce, 6);
        var underV2 = Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).Derive("v2", "user@example.com", Nonce, 6);
        var underV3 = Derivations.Of(new OtpKeyRing(third), TimeProvider.System).Derive("v3", "user@example.com", Nonce, 6);
        var rotated = Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), TimeProvider.System);

        Assert.True(rotated.MatchesAnyKey("user@example.com", Nonce, 6, underV1));
        Assert.True(rotated.MatchesAnyKey("user@example.com", Nonce, 6, underV2));
        Assert.False(rotated.MatchesAnyKey("user@example.com", Nonce, 6, underV3));
        Assert.True(Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).MatchesAnyKey("user@example.com", Nonce, 6, underV2));
        Assert.False(Derivations.Of(new OtpKeyRing(KeyV2), TimeProvider.System).MatchesAnyKey("user@example.com", Nonce, 6, underV1));
    }

    [Fact]
    public void Derive_WithAnUnknownVersion_ThrowsNamingItButNoKey()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), TimeProvider.System).Derive("v0", "user@example.com", Nonce, 6));

        Assert.Contains("'v0'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('2', 40), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtpKey_NeverShowsItsBytes_AndTheRingFindsOnlyItsVersions()
    {
        var ring = new OtpKeyRing(KeyV2, KeyV1);

        Assert.Equal("OtpKey v2", KeyV2.ToString());
        Assert.DoesNotContain("2222", ring.ToString(), StringComparison.Ordinal);
        Assert.Same(KeyV2, ring.Find("v2"));
        Assert.Same(KeyV1, ring.Find("v1"));
        Assert.Null(ring.Find("v3"));
        Assert.Null(new OtpKeyRing(KeyV2).Find("v1"));
        Assert.Throws<ArgumentException>(() => new OtpKey(" ", new byte[32]));
    }

    /// <summary>Stands in for Secrets Manager: counts reads, can fail (a fault the rules must survive).</summary>
    private sealed class KeyStore(params OtpKeyRing[] rings) : IOtpKeySource
    {
        public int Reads { get; private set; }

        public bool Down { get; set; }

        public Task<OtpKeyRing> LoadAsync(CancellationToken cancellationToken)
        {
            Reads++;
            return Down
                ? Task.FromException<OtpKeyRing>(Failures.KeySource("Secrets Manager GetSecretValue failed: HTTP 503."))
                : Task.FromResult(rings[Math.Min(Reads - 1, rings.Length - 1)]);
        }
    }

    [Fact]
    public async Task Refresh_ReadsTheRingAgain_OnlyWhenItIsOlderThanTheInterval()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store, TimeSpan.FromMinutes(5));

        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(0, store.Reads);
        Assert.Equal("v1", codes.CurrentKeyVersion);

        clock.Advance(TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(1, store.Reads);
        Assert.Equal("v2", codes.CurrentKeyVersion);
        Assert.Equal(Derivations.Of(new OtpKeyRing(KeyV1), TimeProvider.System).Derive("v1", "user@example.com", Nonce, 6), codes.Derive("v1", "user@example.com", Nonce, 6));

        await codes.RefreshAsync(null, default);
        Assert.Equal(1, store.Reads);
    }

    [Fact]
    public async Task ARingReadDuringInit_AfterTheDerivationWasBuilt_IsStillReadAgainAfterASnapStartRestore()
    {
        // Init starts the reads, builds the functions, then waits for the reads together
        // (OtpServices.AwaitKeyReads): the derivation is built before its ring is in.
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var reading = new TaskCompletionSource<OtpKeyRing>(TaskCreationOptions.RunContinuationsAsynchronously);
        var initial = new DeferredKey<OtpKeyRing>(_ => reading.Task);
        _ = initial.Start();
        var codes = new CodeDerivation(initial, clock, store);
        reading.SetResult(new OtpKeyRing(KeyV1));
        Assert.Null(initial.Wait(TimeSpan.FromSeconds(30)));

        clock.Advance(TimeSpan.FromDays(2)); // the snapshot restored two days later
        await codes.RefreshAsync(null, default);

        Assert.Equal(1, store.Reads);
        Assert.Equal("v2", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task ARingFirstReadByARequest_CountsItsAgeFromThatRead()
    {
        // The store was down through init: the first request's read is new, so no refresh follows it at once.
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var reads = 0;
        var initial = new DeferredKey<OtpKeyRing>(_ => ++reads == 1 ? throw Failures.KeySource("down") : Task.FromResult(new OtpKeyRing(KeyV1)));
        var codes = new CodeDerivation(initial, clock, store);
        Assert.NotNull(await Record.ExceptionAsync(() => codes.RefreshAsync(null, default).AsTask()));

        clock.Advance(TimeSpan.FromMinutes(10));
        await codes.RefreshAsync(null, default);

        Assert.Equal(0, store.Reads);
        Assert.Equal("v1", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task Refresh_AfterASnapStartRestore_ReadsAtOnce_BecauseTheClockJumpedPastTheInterval()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store);

        clock.Advance(TimeSpan.FromDays(3)); // The snapshot, restored days after init.
        await codes.RefreshAsync(null, default);

        Assert.Equal("v2", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task Refresh_ForAVersionTheRingLacks_ReadsAtOnce_ButNotForOneItHas()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV3, KeyV2));
        var codes = Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), clock, store);

        await codes.RefreshAsync("v1", default);
        await codes.RefreshAsync("v2", default);
        Assert.Equal(0, store.Reads);

        await codes.RefreshAsync("v3", default);
        Assert.Equal(1, store.Reads);
        Assert.Equal("v3", codes.CurrentKeyVersion);
        Assert.NotNull(codes.Derive("v2", "user@example.com", Nonce, 6));
    }

    [Fact]
    public async Task Refresh_ForAnUnknownVersion_AsksAtMostOncePerRetryInterval()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var codes = Derivations.Of(new OtpKeyRing(KeyV2, KeyV1), clock, store);

        await codes.RefreshAsync("v0", default);
        await codes.RefreshAsync("v0", default);
        clock.Advance(CodeDerivation.RetryInterval - TimeSpan.FromTicks(1));
        await codes.RefreshAsync("v0", default);
        Assert.Equal(1, store.Reads);

        clock.Advance(TimeSpan.FromTicks(1));
        await codes.RefreshAsync("v0", default);
        Assert.Equal(2, store.Reads);
    }

    [Fact]
    public async Task Refresh_WhenTheKeyStoreIsDown_KeepsTheRingInUse_AndTriesAgainAfterTheRetryInterval()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1)) { Down = true };
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store, TimeSpan.FromMinutes(5));
        var before = codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 6);

        clock.Advance(TimeSpan.FromMinutes(6));
        await codes.RefreshAsync(null, default);
        Assert.Equal(1, store.Reads);
        Assert.Equal(before, codes.Derive(codes.CurrentKeyVersion, "user@example.com", Nonce, 6));

        store.Down = false;
        clock.Advance(CodeDerivation.RetryInterval - TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(1, store.Reads);

        clock.Advance(TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(2, store.Reads);
        Assert.Equal("v2", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task Refresh_WhenTheKeyStoreIsDown_TellsTheFunction_OncePerFailedRead()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1)) { Down = true };
        var told = new List<DependencyException>();
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store, TimeSpan.FromMinutes(5), told.Add);

        clock.Advance(TimeSpan.FromMinutes(6));
        await codes.RefreshAsync(null, default);
        await codes.RefreshAsync(null, default);

        var failure = Assert.Single(told);
        Assert.StartsWith("Secrets Manager GetSecretValue failed", failure.Message, StringComparison.Ordinal);
        Assert.Equal("v1", codes.CurrentKeyVersion);

        store.Down = false;
        clock.Advance(CodeDerivation.RetryInterval);
        await codes.RefreshAsync(null, default);
        Assert.Single(told);
        Assert.Equal("v2", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task Refresh_WithoutAKeySource_NeverReads()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, source: null);

        clock.Advance(TimeSpan.FromDays(1));
        await codes.RefreshAsync("v9", default);

        Assert.Equal("v1", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task Refresh_ByDefault_ReadsTheRingEveryFiveMinutes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store);

        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(0, store.Reads);

        clock.Advance(TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(1, store.Reads);
        Assert.Equal(TimeSpan.FromMinutes(5), CodeDerivation.DefaultRefreshInterval);
    }

    [Fact]
    public async Task Refresh_CountsTheIntervalFromTheLastSuccessfulRead()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1), new OtpKeyRing(KeyV3, KeyV2));
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store, TimeSpan.FromMinutes(5));

        clock.Advance(TimeSpan.FromMinutes(5));
        await codes.RefreshAsync(null, default);
        Assert.Equal("v2", codes.CurrentKeyVersion);

        // Past the retry interval but not the refresh interval since the read: nothing is due.
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(1, store.Reads);

        clock.Advance(TimeSpan.FromTicks(1));
        await codes.RefreshAsync(null, default);
        Assert.Equal(2, store.Reads);
        Assert.Equal("v3", codes.CurrentKeyVersion);
    }

    [Fact]
    public async Task Refresh_ForAVersionTheNewRingLacksToo_WaitsTheRetryInterval_ThenAsksAgain()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1), new OtpKeyRing(KeyV3, KeyV2));
        var codes = Derivations.Of(new OtpKeyRing(KeyV1), clock, store);

        await codes.RefreshAsync("v3", default);
        Assert.Equal("v2", codes.CurrentKeyVersion);
        Assert.Null(codes.MatchesRecorded("v3", "user@example.com", Nonce, 6, "000000"));

        clock.Advance(CodeDerivation.RetryInterval);
        await codes.RefreshAsync("v3", default);
        Assert.Equal(2, store.Reads);
        Assert.Equal("v3", codes.CurrentKeyVersion);
    }

    [Fact]
    public void Derive_NamesTheMissingArgument()
    {
        var codes = TestKeys.Derivation();

        Assert.Equal("keyVersion", Assert.Throws<ArgumentNullException>(() => codes.Derive(null!, "user@example.com", Nonce, 6)).ParamName);
        Assert.Equal("normalizedAddress", Assert.Throws<ArgumentNullException>(() => codes.Derive(OtpKey.LocalVersion, null!, Nonce, 6)).ParamName);
        Assert.Equal("submitted", Assert.Throws<ArgumentNullException>(() => codes.MatchesRecorded(null, "user@example.com", Nonce, 6, null!)).ParamName);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(11)]
    public void Derive_RefusesALengthOutsideSixToTen(int digits)
    {
        var codes = TestKeys.Derivation();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => codes.Derive(OtpKey.LocalVersion, "user@example.com", Nonce, digits));

        Assert.Equal("digits", refused.ParamName);
        Assert.Contains("6 to 10 digits", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AGivenRefreshInterval_IsTheOneUsed_ForAKnownRingOrOneReadFirst(bool deferred)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var store = new KeyStore(new OtpKeyRing(KeyV2, KeyV1));
        var codes = deferred
            ? new CodeDerivation(new DeferredKey<OtpKeyRing>(_ => Task.FromResult(new OtpKeyRing(KeyV1))), clock, store, TimeSpan.FromMinutes(1))
            : Derivations.Of(new OtpKeyRing(KeyV1), clock, store, TimeSpan.FromMinutes(1));
        await codes.RefreshAsync(null, default); // the first read of a deferred ring; nothing for a known one

        clock.Advance(TimeSpan.FromMinutes(1));
        await codes.RefreshAsync(null, default);

        Assert.Equal(1, store.Reads);
    }

    [Fact]
    public void ARingNotReadYet_IsATransientSecretsManagerFailure_SayingSo()
    {
        var codes = new CodeDerivation(new DeferredKey<OtpKeyRing>(_ => new TaskCompletionSource<OtpKeyRing>().Task), TimeProvider.System);

        var failure = Failures.Throws(Dependency.SecretsManager, FailureKind.Transient, () => _ = codes.CurrentKeyVersion);

        Assert.Equal("KeyRingNotLoaded", failure.ErrorType);
        Assert.Contains("code key ring has not been read", failure.Message, StringComparison.Ordinal);
    }
}
