namespace OtpService.Local.Template;

/// <summary>A table as CreateTable needs it: (name, type) attributes, (name, HASH|RANGE) keys, the stream view type and the TTL attribute (null: none).</summary>
internal sealed record TableDefinition(
    string LogicalId,
    IReadOnlyList<(string Name, string Type)> Attributes,
    IReadOnlyList<(string Name, string KeyType)> KeySchema,
    string? StreamViewType,
    string? TimeToLiveAttribute)
{
    /// <summary>The key attribute names, partition key first.</summary>
    public IReadOnlyList<string> KeyNames => KeySchema.OrderBy(k => k.KeyType == "HASH" ? 0 : 1).Select(k => k.Name).ToList();
}
