using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Tokens;

/// <summary>
/// Issues the signed proof of a verification: a JWT (RFC 7519) in JWS compact serialization
/// (RFC 7515 section 7.1), signed ES256, with <c>kid</c> in the header, and publishes the keys as a
/// JWKS (RFC 7517 section 5). Claims: <c>iss</c>, <c>sub</c> (<see cref="SubjectIdentifiers"/>),
/// <c>aud</c>, <c>iat</c>, <c>exp</c>, <c>jti</c> (RFC 7519 section 4.1), <c>email</c> and
/// <c>email_verified</c> (OpenID Connect Core section 5.1), <c>amr</c> ["otp"] (RFC 8176 section 2).
/// </summary>
public sealed class IdentityTokens
{
    /// <summary>The JWS algorithm: ECDSA P-256 with SHA-256 (RFC 7518 section 3.4).</summary>
    public const string Algorithm = "ES256";

    /// <summary>RFC 8176: "otp", a one-time password; the only method this service performs.</summary>
    public const string AuthenticationMethod = "otp";

    // A JWT is not HTML: '+' and non-ASCII letters of an address stay as they are (still valid JSON).
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>How old a ring read from its store may get before a request reads it again (as the code key's ring).</summary>
    public static readonly TimeSpan DefaultRefreshInterval = CodeDerivation.DefaultRefreshInterval;

    private readonly DeferredKey<TokenKeySet> _keys;
    private readonly DeferredKey<SubjectIdentifiers> _subjects;
    private readonly TimeProvider _clock;
    private TokenKeySet? _refreshed;
    private long _nextRefreshAttempt;

    /// <param name="signer">Signs with the current key.</param>
    /// <param name="subjects">Derives <c>sub</c>.</param>
    /// <param name="settings">Audience and lifetime (and a fixed issuer, if configured).</param>
    /// <param name="clock">Source of <c>iat</c> (the function's clock).</param>
    /// <param name="publishedKeys">Every key the JWKS lists besides the signer's (the other key of a rotation).</param>
    public IdentityTokens(IJwsSigner signer, SubjectIdentifiers subjects, TokenSettings settings, TimeProvider clock, IEnumerable<PublicSigningKey>? publishedKeys = null)
        : this(
            DeferredKey.Known(new TokenKeySet(signer ?? throw new ArgumentNullException(nameof(signer)), publishedKeys)),
            DeferredKey.Known(subjects ?? throw new ArgumentNullException(nameof(subjects))),
            settings,
            clock)
    {
    }

    /// <summary>
    /// Tokens whose keys are read from their stores when first needed (KMS GetPublicKey, the subject
    /// key's secret): the reads start at init, and <see cref="IssueAsync"/> and <see cref="GetJwksAsync"/>
    /// await them, reading again after a failure.
    /// </summary>
    /// <param name="keys">The signer and the keys the JWKS lists.</param>
    /// <param name="subjects">Derives <c>sub</c>.</param>
    /// <param name="settings">Audience and lifetime (and a fixed issuer, if configured).</param>
    /// <param name="clock">Source of <c>iat</c> (the function's clock).</param>
    public IdentityTokens(DeferredKey<TokenKeySet> keys, DeferredKey<SubjectIdentifiers> subjects, TokenSettings settings, TimeProvider clock)
    {
        _keys = keys ?? throw new ArgumentNullException(nameof(keys));
        _subjects = subjects ?? throw new ArgumentNullException(nameof(subjects));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    }

    public TokenSettings Settings { get; }

    /// <summary>
    /// Reads the keys again (Secrets Manager: a rotation's new AWSCURRENT, AWSPREVIOUS and AWSPENDING) when
    /// the set in use is older than <see cref="RefreshInterval"/> by its <see cref="TokenKeySet.ReadAt"/>, so a
    /// warm environment, or one restored from a SnapStart snapshot taken long ago, follows a rotation. Null:
    /// the keys are read once. A failed read keeps the set in use (and is tried again after
    /// <see cref="CodeDerivation.RetryInterval"/>); it is reported to <see cref="RefreshFailed"/>.
    /// </summary>
    public Func<CancellationToken, Task<TokenKeySet>>? Refresh { get; init; }

    /// <summary>Age after which <see cref="Refresh"/> runs; default <see cref="DefaultRefreshInterval"/>.</summary>
    public TimeSpan RefreshInterval { get; init; } = DefaultRefreshInterval;

    /// <summary>Told of each failed <see cref="Refresh"/> (a WARN line and a count, by the Lambda layer).</summary>
    public Action<DependencyException>? RefreshFailed { get; init; }

    /// <summary>The keys the JWKS lists: the signing key first.</summary>
    /// <exception cref="DependencyException">The keys have not been read yet (use <see cref="GetJwksAsync"/>).</exception>
    public IReadOnlyList<PublicSigningKey> PublishedKeys => Keys.PublishedKeys;

    /// <summary>The JWKS document, <c>{"keys":[{"kty":"EC","crv":"P-256","x":..,"y":..,"kid":..,"use":"sig","alg":"ES256"}]}</c> (RFC 7517, RFC 7518 section 6.2.1).</summary>
    /// <exception cref="DependencyException">The keys have not been read yet (use <see cref="GetJwksAsync"/>).</exception>
    public string Jwks => Keys.Jwks;

    /// <summary>The JWKS document (<see cref="Jwks"/>), after waiting for the keys if they have not been read yet.</summary>
    /// <exception cref="DependencyException">KMS failed (transient or configuration).</exception>
    public async ValueTask<string> GetJwksAsync(CancellationToken cancellationToken) =>
        (await CurrentKeysAsync(cancellationToken).ConfigureAwait(false)).Jwks;

    private TokenKeySet Keys => Volatile.Read(ref _refreshed) ?? _keys.Value
        ?? throw new DependencyException(Dependency.KMS, FailureKind.Transient, "TokenKeysNotLoaded", "The token keys have not been read from their key store yet.");

    /// <summary>The keys in use, read again first when they are older than <see cref="RefreshInterval"/> (one caller reads; the others use the set in use).</summary>
    private async ValueTask<TokenKeySet> CurrentKeysAsync(CancellationToken cancellationToken)
    {
        var keys = Volatile.Read(ref _refreshed) ?? await _keys.GetAsync(cancellationToken).ConfigureAwait(false);
        if (Refresh is null || keys.ReadAt is not { } readAt)
        {
            return keys;
        }

        var now = _clock.GetUtcNow();
        var nextAttempt = Interlocked.Read(ref _nextRefreshAttempt);
        if (now - readAt < RefreshInterval || now.UtcTicks < nextAttempt
            || Interlocked.CompareExchange(ref _nextRefreshAttempt, now.UtcTicks + CodeDerivation.RetryInterval.Ticks, nextAttempt) != nextAttempt)
        {
            return keys;
        }

        try
        {
            var fresh = await Refresh(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _refreshed, fresh);
            return fresh;
        }
        catch (DependencyException failure)
        {
            // The set in use still signs and still publishes every key it knows.
            RefreshFailed?.Invoke(failure);
            return keys;
        }
    }

    /// <summary>An issuer of tokens whose <c>iss</c> is <paramref name="issuer"/> (the configured one, or the API's URL for this request).</summary>
    public ITokenIssuer For(string issuer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        return new BoundIssuer(this, issuer);
    }

    /// <summary>The token for a verified address, signed.</summary>
    /// <exception cref="DependencyException">The signer failed (or KMS refused the key or the caller), or its keys or the subject key could not be read yet.</exception>
    public async Task<string> IssueAsync(string issuer, VerifiedAddress verified, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verified);
        var keys = await CurrentKeysAsync(cancellationToken).ConfigureAwait(false);
        var subjects = await _subjects.GetAsync(cancellationToken).ConfigureAwait(false);
        var issuedAt = _clock.GetUtcNow().ToUnixTimeSeconds();
        var header = Base64UrlJson(w =>
        {
            w.WriteString("alg", Algorithm);
            w.WriteString("kid", keys.Signer.KeyId);
            w.WriteString("typ", "JWT");
        });
        var payload = Base64UrlJson(w => WriteClaims(w, subjects, issuer, verified, issuedAt));

        var signingInput = new byte[header.Length + 1 + payload.Length];
        header.CopyTo(signingInput, 0);
        signingInput[header.Length] = (byte)'.';
        payload.CopyTo(signingInput, header.Length + 1);

        var signature = await keys.Signer.SignAsync(signingInput, cancellationToken).ConfigureAwait(false);
        return string.Create(signingInput.Length + 1 + Base64Url.GetEncodedLength(signature.Length), (signingInput, signature), static (chars, state) =>
        {
            for (var i = 0; i < state.signingInput.Length; i++)
            {
                chars[i] = (char)state.signingInput[i];
            }

            chars[state.signingInput.Length] = '.';
            Base64Url.EncodeToChars(state.signature, chars[(state.signingInput.Length + 1)..]);
        });
    }

    /// <summary>One line per claim: a new fact of <see cref="VerifiedAddress"/> becomes one more line here.</summary>
    private void WriteClaims(Utf8JsonWriter w, SubjectIdentifiers subjects, string issuer, VerifiedAddress verified, long issuedAt)
    {
        w.WriteString("iss", issuer);
        w.WriteString("sub", subjects.For(verified.Address));
        w.WriteString("aud", Settings.Audience ?? issuer);
        w.WriteNumber("iat", issuedAt);
        w.WriteNumber("exp", issuedAt + Settings.LifetimeSeconds);
        w.WriteString("jti", Base64Url.EncodeToString(SnapshotSafeRandom.GetBytes(16)));
        w.WriteString("email", verified.Address);
        w.WriteBoolean("email_verified", true);
        w.WriteStartArray("amr");
        w.WriteStringValue(AuthenticationMethod);
        w.WriteEndArray();
    }

    private static byte[] Base64UrlJson(Action<Utf8JsonWriter> members)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json, WriterOptions))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToUtf8(json.WrittenSpan);
    }

    private sealed class BoundIssuer(IdentityTokens tokens, string issuer) : ITokenIssuer
    {
        public Task<string> IssueAsync(VerifiedAddress verified, CancellationToken cancellationToken) =>
            tokens.IssueAsync(issuer, verified, cancellationToken);
    }
}
