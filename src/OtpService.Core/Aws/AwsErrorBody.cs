using System.Text.Json.Serialization;

namespace OtpService.Core.Aws;

/// <summary>
/// Source-generated JSON for the AWS APIs we call by hand (no reflection: trim- and AOT-safe).
/// No naming policy: property names are written as declared, which is AWS's PascalCase.
/// Reading is case-insensitive because AWS error bodies use both <c>message</c> and <c>Message</c>.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]

/// <summary>
/// The parts of an AWS JSON error body that name the error (JSON 1.1 uses <c>__type</c>, REST-JSON
/// <c>code</c>) and its message (<c>message</c> or <c>Message</c>, read case-insensitively).
/// </summary>
internal sealed class AwsErrorBody
{
    [JsonPropertyName("__type")] public string? Type { get; set; }

    public string? Code { get; set; }

    public string? Message { get; set; }
}
