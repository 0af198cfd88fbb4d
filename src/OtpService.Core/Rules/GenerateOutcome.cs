namespace OtpService.Core.Rules;

/// <param name="VerificationId">For <see cref="GenerateStatus.Sent"/>: the id that binds a verify to this request's code (<see cref="VerificationId"/>).</param>
public readonly record struct GenerateOutcome(GenerateStatus Status, int? ExpiresInSeconds = null, int? RetryAfterSeconds = null, string? VerificationId = null);
