using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>The JSON body of every API response: status and message, plus the extras DESIGN.md lists.</summary>
public sealed record ApiResponseBody(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message)
{
    [JsonPropertyName("expiresInSeconds")] public int? ExpiresInSeconds { get; init; }
    [JsonPropertyName("attemptsRemaining")] public int? AttemptsRemaining { get; init; }
    [JsonPropertyName("retryAfterSeconds")] public int? RetryAfterSeconds { get; init; }
    [JsonPropertyName("field")] public string? Field { get; init; }

    /// <summary>generate's 202: the id a verify may give as verification_id to bind itself to this request's code (22 base64url characters).</summary>
    [JsonPropertyName("verificationId")] public string? VerificationId { get; init; }

    /// <summary>verify's 200: the signed proof, a compact JWT (README "Using the answer").</summary>
    [JsonPropertyName("token")] public string? Token { get; init; }
}
