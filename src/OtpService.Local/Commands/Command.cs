namespace OtpService.Local.Commands;

/// <summary>What the user asked for on the command line.</summary>
internal abstract record Command;
