namespace OtpService.Core.Rules;

/// <summary>
/// What happened to one mail. For <see cref="MailOutcome.Failed"/>, <see cref="FailureKind"/> is
/// the provider adapter's class and <see cref="Error"/> names the provider's error (never the mail's content).
/// </summary>
public readonly record struct MailResult(MailOutcome Outcome, FailureKind? FailureKind = null, string? Error = null, string? ErrorType = null);
