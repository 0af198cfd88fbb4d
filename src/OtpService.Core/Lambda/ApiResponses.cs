using System.Globalization;
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>Every response the API gives: DESIGN.md's table, with the seed's words where the seed had them.</summary>
public static class ApiResponses
{
    public const string SentMessage = "A verification code is sent to the email address you provided.";

    public const string SupersededMessage = "This code is from an earlier email. A newer code has been sent since: use the code in the newest email.";

    public const string VerificationIdMismatchMessage = "A newer code was requested since this sign-in asked for one, perhaps in another tab. Request a new code here.";

    public static ApiResponse For(GenerateOutcome outcome) => outcome.Status switch
    {
        GenerateStatus.Sent => new(202, new("sent", SentMessage) { ExpiresInSeconds = outcome.ExpiresInSeconds, VerificationId = outcome.VerificationId }),
        // Words for people (the sign-in page shows them and adds when to ask again); which limit it was goes to the log line.
        GenerateStatus.Cooldown => new(429, new("rate_limited", "A code was just sent to this address. Check your email, or wait a moment before asking for another.")
        { RetryAfterSeconds = outcome.RetryAfterSeconds })
        { Limit = "cooldown" },
        GenerateStatus.RateLimited => new(429, new("rate_limited", "Several codes were sent to this address recently. Use the code in the newest email (check your spam folder too), or wait before asking for another.")
        { RetryAfterSeconds = outcome.RetryAfterSeconds })
        { Limit = "address" },
        GenerateStatus.ClientLimited => new(429, new("rate_limited", "Many codes were asked for from your network this hour. Please wait before asking for another.")
        { RetryAfterSeconds = outcome.RetryAfterSeconds })
        { Limit = "client" },
        GenerateStatus.BudgetExceeded => new(429, new("rate_limited", "The service is sending a lot of codes right now. Please try again in a minute.")
        { RetryAfterSeconds = outcome.RetryAfterSeconds })
        { Limit = "budget" },
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static ApiResponse For(VerifyOutcome outcome) => outcome.Status switch
    {
        VerifyStatus.Verified => new(200, new("verified", "Verified") { Token = outcome.Token }),
        VerifyStatus.WrongCode => new(401, new("wrong_code", "Wrong OTP") { AttemptsRemaining = outcome.AttemptsRemaining }) { Note = outcome.Note },
        VerifyStatus.Expired => new(410, new("expired", "Time Over")),
        VerifyStatus.NotFound => new(404, new("not_found", "No such OTP was shared")),
        VerifyStatus.AlreadyUsed => new(409, new("already_used", "This code has already been used. Request a new one.")),
        // 422 (RFC 9110 15.5.21): a well-formed, genuine code that cannot be used; the only verify answer with this
        // status, so a client can tell "use the newest mail" from 401 (retype), 409 and 410 (request a new code).
        VerifyStatus.Superseded => new(422, new("superseded", SupersededMessage)),
        // 403 (RFC 9110 15.5.4): understood, but this request may not use the newest code (another request asked
        // for it); the only verify answer with this status, so a client knows to ask for a new code for this sign-in.
        VerifyStatus.VerificationIdMismatch => new(403, new("verification_id_mismatch", VerificationIdMismatchMessage)),
        VerifyStatus.TooManyAttempts => new(429, new("too_many_attempts", "Too many wrong tries for this code. Request a new one.")) { Limit = "code" },
        VerifyStatus.ClientLimited => new(429, new("too_many_attempts", "Too many wrong codes were tried from your network. Please wait before trying again.")
        { RetryAfterSeconds = outcome.RetryAfterSeconds })
        { Limit = "client" },
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    /// <summary>A 400 naming the field; the message is for people, the log line's note names the field and the technical <paramref name="detail"/> (e.g. a refused character's code point; else the error's own <see cref="InvalidRequest.Detail"/>).</summary>
    public static ApiResponse Invalid(InvalidRequest error, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        detail ??= error.Detail;
        return new(400, new("invalid_request", error.Message) { Field = error.Field }) { Note = detail is null ? $"invalid {error.Field}" : $"invalid {error.Field}: {detail}" };
    }

    /// <summary>How long relying parties and caches may keep the JWKS (RFC 9111 max-age): shorter than a rotation step (README "Token signing keys").</summary>
    public const int JwksMaxAgeSeconds = 300;

    /// <summary>GET /.well-known/jwks.json: the token keys (RFC 7517 section 5), cacheable.</summary>
    public static ApiResponse Jwks(string jwksJson) =>
        new(200, new("jwks", "JSON Web Key Set"))
        {
            Document = jwksJson ?? throw new ArgumentNullException(nameof(jwksJson)),
            CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age={JwksMaxAgeSeconds}"),
        };

    /// <summary>Seconds a client should wait before trying again after a 503 (the Retry-After header and retryAfterSeconds).</summary>
    public const int UnavailableRetryAfterSeconds = 2;

    public static readonly ApiResponse Unavailable = new(503, new("unavailable", "The service is unavailable right now. Please try again shortly.")
    { RetryAfterSeconds = UnavailableRetryAfterSeconds });

    public static readonly ApiResponse InternalError = new(500, new("internal_error", "Something went wrong on our side. Please try again."));
}
