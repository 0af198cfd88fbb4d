using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace OtpService.Local.Template;

/// <summary>
/// One node of a CloudFormation template, with short-form intrinsics already turned into
/// their long forms (<c>!Ref X</c> becomes <c>{Ref: X}</c>, <c>!GetAtt A.B</c> becomes
/// <c>{Fn::GetAtt: [A, B]}</c>, <c>!Sub s</c> becomes <c>{Fn::Sub: s}</c>, ...), so checks
/// read one shape whichever form the template uses. <see cref="Line"/> is the 1-based line
/// where the node starts in the file, for failure messages.
/// </summary>
internal sealed class CfnNode
{
    private static readonly IReadOnlyList<KeyValuePair<string, CfnNode>> NoEntries = [];
    private static readonly IReadOnlyList<CfnNode> NoItems = [];

    private CfnNode(CfnNodeKind kind, int line, string? value, IReadOnlyList<KeyValuePair<string, CfnNode>>? entries, IReadOnlyList<CfnNode>? items)
    {
        Kind = kind;
        Line = line;
        Value = value;
        Entries = entries ?? NoEntries;
        Items = items ?? NoItems;
    }

    public CfnNodeKind Kind { get; }
    public int Line { get; }
    public string? Value { get; }
    public IReadOnlyList<KeyValuePair<string, CfnNode>> Entries { get; }
    public IReadOnlyList<CfnNode> Items { get; }

    /// <summary>"template.yaml line N", for messages.</summary>
    public string Where => $"template.yaml line {Line.ToString(CultureInfo.InvariantCulture)}";

    public CfnNode? this[string key] => Entries.FirstOrDefault(e => e.Key == key).Value;

    public bool IsScalar(string value) => Kind == CfnNodeKind.Scalar && Value == value;

    /// <summary>The intrinsic this node is (<c>Ref</c>, <c>Fn::GetAtt</c>, ...) and its argument, or null.</summary>
    public (string Name, CfnNode Argument)? Intrinsic =>
        Kind == CfnNodeKind.Mapping && Entries.Count == 1 && (Entries[0].Key is "Ref" or "Condition" || Entries[0].Key.StartsWith("Fn::", StringComparison.Ordinal))
            ? (Entries[0].Key, Entries[0].Value)
            : null;

    /// <summary>"Ref X" / "GetAtt A.B" / the scalar itself: a short text for comparing and for messages.</summary>
    public string Describe()
    {
        if (Intrinsic is { } fn)
        {
            return fn.Name switch
            {
                "Ref" => $"!Ref {fn.Argument.Value}",
                "Condition" => $"!Condition {fn.Argument.Value}",
                "Fn::GetAtt" => $"!GetAtt {string.Join('.', fn.Argument.Items.Select(i => i.Value))}",
                _ => $"!{fn.Name[4..]} {fn.Argument.Describe()}",
            };
        }

        return Kind switch
        {
            CfnNodeKind.Scalar => Value ?? "",
            CfnNodeKind.Sequence => $"[{string.Join(", ", Items.Select(i => i.Describe()))}]",
            _ => $"{{{string.Join(", ", Entries.Select(e => $"{e.Key}: {e.Value.Describe()}"))}}}",
        };
    }

    internal static CfnNode From(YamlNode node)
    {
        var line = (int)node.Start.Line;
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        var plain = node switch
        {
            YamlScalarNode s => new CfnNode(CfnNodeKind.Scalar, line, s.Value, null, null),
            YamlSequenceNode q => new CfnNode(CfnNodeKind.Sequence, line, null, null, q.Children.Select(From).ToList()),
            YamlMappingNode m => new CfnNode(
                CfnNodeKind.Mapping,
                line,
                null,
                m.Children.Select(c => new KeyValuePair<string, CfnNode>(((YamlScalarNode)c.Key).Value ?? "", From(c.Value))).ToList(),
                null),
            _ => throw new InvalidOperationException($"Unsupported YAML node at line {line}."),
        };

        if (tag is null || !tag.StartsWith('!') || tag.StartsWith("!!", StringComparison.Ordinal) || tag.StartsWith("tag:", StringComparison.Ordinal))
        {
            return plain;
        }

        // CloudFormation short form: !Ref and !Condition keep their names, the rest are Fn::<Name>;
        // !GetAtt's "A.B" string becomes the long form's [A, B] list.
        var name = tag[1..];
        var longName = name is "Ref" or "Condition" ? name : $"Fn::{name}";
        var argument = plain;
        if (name == "GetAtt" && plain.Kind == CfnNodeKind.Scalar)
        {
            var dot = (plain.Value ?? "").IndexOf('.', StringComparison.Ordinal);
            argument = dot < 0
                ? plain
                : new CfnNode(
                    CfnNodeKind.Sequence,
                    line,
                    null,
                    null,
                    [new CfnNode(CfnNodeKind.Scalar, line, plain.Value![..dot], null, null), new CfnNode(CfnNodeKind.Scalar, line, plain.Value[(dot + 1)..], null, null)]);
        }

        return new CfnNode(CfnNodeKind.Mapping, line, null, [new(longName, argument)], null);
    }
}
