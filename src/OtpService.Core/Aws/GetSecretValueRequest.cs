namespace OtpService.Core.Aws;

internal sealed record GetSecretValueRequest(string SecretId, string? VersionStage = null);
