using System.Text;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>The Secrets Manager calls a deployer makes (create, rotate by PutSecretValue, delete) against moto, through boto3-free JSON 1.1.</summary>
internal sealed class MotoSecrets(MotoServer moto) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = moto.Endpoint };

    public async Task<string> CreateSecretAsync(string name, string value) =>
        (await CallAsync("CreateSecret", $$"""{"Name":"{{name}}","SecretString":"{{value}}"}""")).GetProperty("ARN").GetString()!;

    public Task<System.Text.Json.JsonElement> DeleteSecretAsync(string secretId) =>
        CallAsync("DeleteSecret", $$"""{"SecretId":"{{secretId}}","ForceDeleteWithoutRecovery":true}""");

    public async Task<string> PutSecretValueAsync(string secretId, string value) =>
        (await CallAsync("PutSecretValue", $$"""{"SecretId":"{{secretId}}","SecretString":{{Json(value)}}}""")).GetProperty("VersionId").GetString()!;

    /// <summary>A secret with no version at all, as CloudFormation creates one without SecretString or GenerateSecretString.</summary>
    public async Task<string> CreateEmptySecretAsync(string name) =>
        (await CallAsync("CreateSecret", $$"""{"Name":"{{name}}"}""")).GetProperty("ARN").GetString()!;

    /// <summary>A new version carrying <paramref name="stage"/> only (AWSPENDING: the next key of a rotation, published, not yet signing).</summary>
    public async Task<string> PutSecretValueAsync(string secretId, string value, string stage) =>
        (await CallAsync("PutSecretValue", $$"""{"SecretId":"{{secretId}}","SecretString":{{Json(value)}},"VersionStages":[{{Json(stage)}}]}""")).GetProperty("VersionId").GetString()!;

    /// <summary>Moves <paramref name="stage"/> to <paramref name="toVersion"/> (UpdateSecretVersionStage; AWSCURRENT takes AWSPREVIOUS along).</summary>
    public Task<System.Text.Json.JsonElement> MoveStageAsync(string secretId, string stage, string toVersion, string? fromVersion) =>
        CallAsync("UpdateSecretVersionStage", fromVersion is null
            ? $$"""{"SecretId":"{{secretId}}","VersionStage":{{Json(stage)}},"MoveToVersionId":{{Json(toVersion)}}}"""
            : $$"""{"SecretId":"{{secretId}}","VersionStage":{{Json(stage)}},"MoveToVersionId":{{Json(toVersion)}},"RemoveFromVersionId":{{Json(fromVersion)}}}""");

    /// <summary>Every version id of the secret (ListSecretVersionIds).</summary>
    public async Task<IReadOnlyList<string>> VersionIdsAsync(string secretId) =>
        [.. (await CallAsync("ListSecretVersionIds", $$"""{"SecretId":"{{secretId}}"}""")).GetProperty("Versions").EnumerateArray().Select(v => v.GetProperty("VersionId").GetString()!)];

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private async Task<System.Text.Json.JsonElement> CallAsync(string operation, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        request.Headers.Add("X-Amz-Target", $"secretsmanager.{operation}");
        // moto reads the service from the signature's credential scope.
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{operation}: {(int)response.StatusCode} {text}");
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
