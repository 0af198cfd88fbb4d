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

[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(GetSecretValueResponse))]
[JsonSerializable(typeof(PutSecretValueRequest))]
[JsonSerializable(typeof(AwsErrorBody))]
internal sealed partial class AwsJsonContext : JsonSerializerContext;
