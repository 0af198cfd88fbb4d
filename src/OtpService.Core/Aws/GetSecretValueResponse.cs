using System.Text.Json.Serialization;

namespace OtpService.Core.Aws;

/// <summary>The fields we read of GetSecretValue's answer; the rest (CreatedDate, VersionStages, ...) is skipped.</summary>
internal sealed class GetSecretValueResponse
{
    [JsonPropertyName("ARN")] public string? Arn { get; set; }

    public string? Name { get; set; }

    public string? VersionId { get; set; }

    public string? SecretString { get; set; }
}
