using System.Text.Json.Serialization;

namespace OtpService.Core.Lambda;

/// <summary>One source-generated serializer for every Lambda event and response: no reflection, trim- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ApiGatewayRequest))]
[JsonSerializable(typeof(ApiGatewayResponse))]
[JsonSerializable(typeof(DynamoDbStreamEvent))]
[JsonSerializable(typeof(StreamBatchResponse))]
[JsonSerializable(typeof(ApiResponseBody))]
[JsonSerializable(typeof(Dictionary<string, System.Text.Json.JsonElement>))]
public sealed partial class LambdaJsonContext : JsonSerializerContext;
