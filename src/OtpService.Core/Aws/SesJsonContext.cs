using System.Text.Json.Serialization;

namespace OtpService.Core.Aws;

/// <summary>
/// Source-generated JSON for the SES v2 request body (no reflection: trim- and AOT-safe). No
/// naming policy: property names are written as declared, which is AWS's PascalCase.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SesSendEmailRequest))]
internal sealed partial class SesJsonContext : JsonSerializerContext;
