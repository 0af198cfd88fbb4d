namespace OtpService.Local.Emulators;

/// <summary>An emulator's answer: status, headers (without the hop-by-hop ones) and body.</summary>
internal sealed record UpstreamAnswer(int Status, List<(string Name, string[] Values)> Headers, byte[] Content);
