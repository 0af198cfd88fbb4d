using System.CommandLine;

namespace OtpService.Local.Commands;

/// <summary>Help was asked for, or the arguments were wrong (<see cref="Error"/> says how); <see cref="Parsed"/> prints the matching help.</summary>
internal sealed record HelpCommand(string? Error, ParseResult Parsed) : Command;
