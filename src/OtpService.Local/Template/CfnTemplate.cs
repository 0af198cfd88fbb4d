using YamlDotNet.RepresentationModel;

namespace OtpService.Local.Template;

/// <summary>
/// template.yaml, parsed with YamlDotNet's representation model (which keeps tags and positions).
/// Shared by the local runner (which reads its stream mapping, CORS, table and variables from it
/// at run time) and the template contract tests.
/// </summary>
internal sealed class CfnTemplate
{
    private CfnTemplate(CfnNode root) => Root = root;

    public CfnNode Root { get; }

    public static CfnTemplate Load(string path) => Parse(File.ReadAllText(path));

    public static CfnTemplate Parse(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }

        return new CfnTemplate(CfnNode.From(stream.Documents[0].RootNode));
    }

    public IEnumerable<(string LogicalId, CfnNode Resource)> Resources(string type) =>
        (Root["Resources"]?.Entries ?? [])
            .Where(e => e.Value["Type"]?.Value == type)
            .Select(e => (e.Key, e.Value));

    public CfnNode? Resource(string logicalId) => Root["Resources"]?[logicalId];

    /// <summary>A function property, falling back to Globals.Function like SAM does.</summary>
    public CfnNode? FunctionProperty(CfnNode function, string name) =>
        function["Properties"]?[name] ?? Root["Globals"]?["Function"]?[name];
}
