using System.Text.Json.Serialization;

namespace OtpService.Local.Streams;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StreamsRequest))]
[JsonSerializable(typeof(StreamsResponse))]
internal sealed partial class StreamsJsonContext : JsonSerializerContext;
