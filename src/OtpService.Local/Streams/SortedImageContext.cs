using System.Text.Json.Serialization;
using OtpService.Core.Lambda;

namespace OtpService.Local.Streams;

/// <summary>Serializes images with sorted keys, to tell whether a write changed the item.</summary>
[JsonSerializable(typeof(SortedDictionary<string, StreamAttributeValue>))]
internal sealed partial class SortedImageContext : JsonSerializerContext;
