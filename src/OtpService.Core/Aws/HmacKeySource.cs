namespace OtpService.Core.Aws;

/// <summary>Where one HMAC key is configured: the values of its two variables, as read at init (trimmed; unset or empty: null).</summary>
/// <param name="Key">Which key.</param>
/// <param name="SecretArn">The value of <see cref="HmacKey.SecretArnVariable"/>: wins over <paramref name="LocalKey"/> when both are set.</param>
/// <param name="LocalKey">The value of <see cref="HmacKey.LocalKeyVariable"/>. <see cref="ToString"/> never shows it.</param>
public sealed record HmacKeySource(HmacKey Key, string? SecretArn, string? LocalKey)
{
    public override string ToString() => $"{Key.Purpose}: {(SecretArn is not null ? SecretArn : LocalKey is not null ? "local key" : "none")}";
}
