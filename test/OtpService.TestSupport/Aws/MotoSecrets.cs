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
        (await CallAsync("PutSecretValue", $$"""{"SecretId":"{{secretId}}","SecretString":"{{value}}"}""")).GetProperty("VersionId").GetString()!;

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
