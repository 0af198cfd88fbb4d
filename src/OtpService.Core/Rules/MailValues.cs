namespace OtpService.Core.Rules;

/// <summary>The values of one mail besides its words (<see cref="MailText"/>).</summary>
/// <param name="Code">The code's digits.</param>
/// <param name="Address">The recipient's address.</param>
/// <param name="AppName">OTP_APP_NAME.</param>
/// <param name="RequestedAt">When the code was made (the stored item's creation time), or null when not known.</param>
public sealed record MailValues(string Code, string Address, string AppName, DateTimeOffset? RequestedAt);
