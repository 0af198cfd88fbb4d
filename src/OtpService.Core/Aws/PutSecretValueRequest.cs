namespace OtpService.Core.Aws;

internal sealed record PutSecretValueRequest(string SecretId, string ClientRequestToken, string SecretString, string[] VersionStages)
{
    public override string ToString() => $"PutSecretValueRequest {SecretId} {ClientRequestToken}";
}
