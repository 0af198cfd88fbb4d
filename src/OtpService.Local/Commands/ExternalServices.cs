using OtpService.Local.Emulators;

namespace OtpService.Local.Commands;

/// <summary>The user's own endpoints, checked: the SES emulator found there, the endpoints to watch, KMS/Secrets Manager to show.</summary>
internal sealed record ExternalServices(MailStore? Mail, IReadOnlyList<(string Name, Uri Endpoint)> Watched, IReadOnlyList<(string Name, Uri Endpoint)> Others);
