using System.Text;
using YamlDotNet.RepresentationModel;

namespace OtpService.Local.Template;

/// <summary>
/// Writes template-aot.yaml (the Native AOT deployment) from template.yaml, the one template a
/// developer edits. The rules below are the whole difference between the two: runtime,
/// architecture, no SnapStart, each function's build from the bootstrap project, and the comments
/// that explain those. Each rule names a YAML path; the edit replaces only the text of that node
/// (or the comment lines right above its key), so every other byte of template.yaml, comments
/// included, is copied as it is. The result is parsed again and compared with template.yaml node
/// by node: a rule whose path is gone, or any other node that changed, is an error, never a
/// silently different template.
/// </summary>
internal static class AotTemplate
{
    /// <summary>The command that rewrites template-aot.yaml (run from the repository root).</summary>
    public const string Command = "dotnet run --project src/OtpService.Local -- aot-template";

    /// <summary>Every function of the AOT template is built from this project (one Native AOT bootstrap).</summary>
    public const string BootstrapProject = "src/OtpService.Bootstrap/";

    private const string FunctionType = "AWS::Serverless::Function";

    /// <summary>template.yaml's path in a clone.</summary>
    public static string SourcePath(string repositoryRoot) => Path.Combine(repositoryRoot, "template.yaml");

    /// <summary>template-aot.yaml's path in a clone.</summary>
    public static string TargetPath(string repositoryRoot) => Path.Combine(repositoryRoot, "template-aot.yaml");

    /// <summary>
    /// The transformation, in one place. Paths are mapping keys and sequence indexes joined by '/'.
    /// </summary>
    private static IEnumerable<Rule> Rules(YamlMappingNode root)
    {
        yield return new Header(
        [
            "# GENERATED from template.yaml: do not edit. Change template.yaml, then run",
            $"#   {Command}",
            "# (Deploy/AotTemplateGenerationTests fails while this file differs from what that writes).",
            "# The Native AOT deployment option: the same stack as template.yaml, with every function a",
            "# Native AOT `bootstrap` for the provided.al2023 runtime instead of the managed dotnet10",
            "# runtime. One executable serves all three functions; each function's Handler names which",
            "# (the bootstrap reads it from _HANDLER).",
            "#   sam build --template-file template-aot.yaml, then `sam deploy` as docs/deploy.md says",
            "#   (it deploys what the build wrote, .aws-sam/build/template.yaml).",
            "# Cold start and memory against the managed build and the seed: docs/performance.md.",
        ]);
        yield return new ReplaceInScalar("Description", "OtpService: ", "OtpService (Native AOT build, provided.al2023): ");
        yield return new SetScalar("Globals/Function/Runtime", "provided.al2023");
        yield return new Comment(
            "Globals/Function/Architectures",
            [
                "x86_64: Native AOT compiles for the architecture it is built on; this Makefile builds",
                "on x64 (an arm64 build needs an arm64 build machine, see docs/performance.md).",
            ]);
        yield return new SetScalar("Globals/Function/Architectures/0", "x86_64");
        yield return new Comment(
            "Globals/Function/MemorySize",
            [
                "The same memory (and so the same CPU share) as the managed build, so their latencies",
                "compare; the AOT build itself peaks near 20 MB and would start at 128 MB too, more slowly.",
            ]);
        yield return new Comment(
            "Globals/Function/AutoPublishAlias",
            [
                "API events and the stream mapping call the \"live\" alias, as in template.yaml. No SnapStart:",
                "Lambda offers it for managed runtimes only, and a native binary has no JIT warm-up to save.",
            ]);
        yield return new Remove("Globals/Function/SnapStart");

        IEnumerable<KeyValuePair<YamlNode, YamlNode>> resources = root.Children.TryGetValue(new YamlScalarNode("Resources"), out var r) && r is YamlMappingNode m ? m.Children : [];
        var functions = resources
            .Where(e => e.Value is YamlMappingNode f && f.Children.TryGetValue(new YamlScalarNode("Type"), out var t) && t is YamlScalarNode { Value: FunctionType })
            .Select(e => ((YamlScalarNode)e.Key).Value!)
            .ToList();
        if (functions.Count > 0)
        {
            yield return new Comment(
                $"Resources/{functions[0]}",
                [
                    "Build: `sam build` runs build-<LogicalId> of src/OtpService.Bootstrap/Makefile (BuildMethod",
                    "makefile): one Native AOT publish for linux-x64 (IL trimming and AOT analysis warnings are",
                    "errors), copied as `bootstrap` into each function's $(ARTIFACTS_DIR). ProjectRootDirectory is",
                    "the repository root so the copy SAM builds from holds every project the bootstrap compiles.",
                ]);
        }

        foreach (var id in functions)
        {
            yield return new SetScalar($"Resources/{id}/Metadata/ContextPath", BootstrapProject);
            yield return new SetScalar($"Resources/{id}/Metadata/WorkingDirectory", BootstrapProject);
            yield return new SetScalar($"Resources/{id}/Properties/CodeUri", BootstrapProject);
            yield return new Comment($"Resources/{id}/Properties/Handler", ["Read by the bootstrap from _HANDLER: which of the three functions this one is."]);
        }
    }

    /// <summary>template-aot.yaml's text for <paramref name="managedYaml"/> (template.yaml's text).</summary>
    /// <exception cref="InvalidOperationException">A rule's path is not in the template, two rules edit the same text, or the result differs from the source anywhere a rule does not allow.</exception>
    public static string Generate(string managedYaml)
    {
        ArgumentNullException.ThrowIfNull(managedYaml);
        var text = managedYaml.ReplaceLineEndings("\n");
        var root = Load(text);
        var lines = LineStarts(text);
        var rules = Rules(root).ToList();
        var edits = rules.Select(rule => rule.Edit(root, text, lines)).OrderByDescending(e => e.Start).ToList();
        for (var i = 1; i < edits.Count; i++)
        {
            if (edits[i].End > edits[i - 1].Start)
            {
                throw new InvalidOperationException($"Two AOT template rules edit the same text (at offset {edits[i].Start}).");
            }
        }

        var result = new StringBuilder(text);
        foreach (var edit in edits)
        {
            result.Remove(edit.Start, edit.End - edit.Start).Insert(edit.Start, edit.Text);
        }

        var output = result.ToString();
        Verify(text, output, rules);
        return output;
    }

    /// <summary>The lines where <paramref name="expected"/> and <paramref name="actual"/> first differ, for a failure message; null when they are equal.</summary>
    public static string? FirstDifference(string expected, string actual)
    {
        var a = expected.ReplaceLineEndings("\n").Split('\n');
        var b = actual.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i] : "<end of file>";
            var right = i < b.Length ? b[i] : "<end of file>";
            if (left != right)
            {
                return $"line {i + 1}: generated '{left}', committed '{right}'";
            }
        }

        return null;
    }

    private static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return stream.Documents[0].RootNode as YamlMappingNode ?? throw new InvalidOperationException("template.yaml is not a YAML mapping.");
    }

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    /// <summary>The node at <paramref name="path"/> and, for a mapping entry, its key.</summary>
    private static (YamlScalarNode? Key, YamlNode Value) Find(YamlNode root, string path)
    {
        YamlScalarNode? key = null;
        var node = root;
        foreach (var part in path.Split('/'))
        {
            switch (node)
            {
                case YamlMappingNode mapping when mapping.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == part) is { } found:
                    key = found;
                    node = mapping.Children[found];
                    break;
                case YamlSequenceNode sequence when int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var index) && index >= 0 && index < sequence.Children.Count:
                    key = null;
                    node = sequence.Children[index];
                    break;
                default:
                    throw new InvalidOperationException($"template.yaml has no '{path}' (an AOT template rule needs it; see {nameof(AotTemplate)}.{nameof(Rules)}).");
            }
        }

        return (key, node);
    }

    /// <summary>
    /// Parses both and compares them node by node: only what a rule changes may differ, and each
    /// rule's node must have the value the rule gives it.
    /// </summary>
    private static void Verify(string source, string output, List<Rule> rules)
    {
        var before = CfnTemplate.Parse(source).Root;
        var after = CfnTemplate.Parse(output).Root;
        var problems = new List<string>();
        Compare(before, after, "", rules, problems);
        foreach (var rule in rules)
        {
            rule.Check(before, after, problems);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The AOT template rules did not give the intended template:\n" + string.Join("\n", problems));
        }
    }

    private static void Compare(CfnNode? before, CfnNode? after, string path, List<Rule> rules, List<string> problems)
    {
        if (rules.Any(r => r.Path == path && r.ChangesValue))
        {
            return;
        }

        if (before is null || after is null)
        {
            problems.Add($"{path}: only in {(before is null ? "the output" : "template.yaml")}");
            return;
        }

        if (before.Kind != after.Kind || before.Value != after.Value || before.Items.Count != after.Items.Count)
        {
            problems.Add($"{path}: '{before.Describe()}' became '{after.Describe()}'");
            return;
        }

        foreach (var key in before.Entries.Select(e => e.Key).Union(after.Entries.Select(e => e.Key)))
        {
            Compare(before[key], after[key], path.Length == 0 ? key : $"{path}/{key}", rules, problems);
        }

        for (var i = 0; i < before.Items.Count; i++)
        {
            Compare(before.Items[i], after.Items[i], $"{path}/{i}", rules, problems);
        }
    }

    private static CfnNode? At(CfnNode root, string path)
    {
        CfnNode? node = root;
        foreach (var part in path.Split('/'))
        {
            node = node is null ? null
                : node.Kind == CfnNodeKind.Sequence && int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var i) ? (i < node.Items.Count ? node.Items[i] : null)
                : node[part];
        }

        return node;
    }

    private sealed record Edit(int Start, int End, string Text);

    private abstract record Rule(string Path)
    {
        /// <summary>Whether the parsed value at <see cref="Path"/> differs after the edit (comments and the header change no value).</summary>
        public abstract bool ChangesValue { get; }

        public abstract Edit Edit(YamlMappingNode root, string text, List<int> lineStarts);

        public virtual void Check(CfnNode before, CfnNode after, List<string> problems)
        {
        }
    }

    /// <summary>Comment lines at the very top of the file.</summary>
    private sealed record Header(IReadOnlyList<string> Lines) : Rule("")
    {
        public override bool ChangesValue => false;

        public override Edit Edit(YamlMappingNode root, string text, List<int> lineStarts) =>
            new(0, 0, string.Concat(Lines.Select(l => l + "\n")));
    }

    /// <summary>A plain scalar's new value.</summary>
    private sealed record SetScalar(string Path, string Value) : Rule(Path)
    {
        public override bool ChangesValue => true;

        public override Edit Edit(YamlMappingNode root, string text, List<int> lineStarts)
        {
            var (_, node) = Find(root, Path);
            if (node is not YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar)
            {
                throw new InvalidOperationException($"template.yaml '{Path}' is not a plain scalar; the AOT rule for it replaces one.");
            }

            return new((int)scalar.Start.Index, (int)scalar.End.Index, Value);
        }

        public override void Check(CfnNode before, CfnNode after, List<string> problems)
        {
            if (At(after, Path) is not { Kind: CfnNodeKind.Scalar } node || node.Value != Value)
            {
                problems.Add($"{Path}: should be '{Value}'");
            }
        }
    }

    /// <summary>Text replaced once inside a scalar (any style: a folded Description keeps its folding).</summary>
    private sealed record ReplaceInScalar(string Path, string Old, string New) : Rule(Path)
    {
        public override bool ChangesValue => true;

        public override Edit Edit(YamlMappingNode root, string text, List<int> lineStarts)
        {
            var (_, node) = Find(root, Path);
            var start = (int)node.Start.Index;
            var span = text[start..(int)node.End.Index];
            var at = span.IndexOf(Old, StringComparison.Ordinal);
            if (node is not YamlScalarNode || at < 0 || span.IndexOf(Old, at + 1, StringComparison.Ordinal) >= 0)
            {
                throw new InvalidOperationException($"template.yaml '{Path}' must be a scalar holding '{Old}' exactly once.");
            }

            return new(start + at, start + at + Old.Length, New);
        }

        public override void Check(CfnNode before, CfnNode after, List<string> problems)
        {
            var expected = At(before, Path)?.Value?.Replace(Old, New, StringComparison.Ordinal);
            if (At(after, Path)?.Value != expected)
            {
                problems.Add($"{Path}: should be '{expected}'");
            }
        }
    }

    /// <summary>The comment lines right above a mapping key, replaced (inserted when there are none).</summary>
    private sealed record Comment(string Path, IReadOnlyList<string> Lines) : Rule(Path)
    {
        public override bool ChangesValue => false;

        public override Edit Edit(YamlMappingNode root, string text, List<int> lineStarts)
        {
            var (key, _) = Find(root, Path);
            if (key is null)
            {
                throw new InvalidOperationException($"template.yaml '{Path}' is not a mapping entry; an AOT comment rule needs a key.");
            }

            var keyLine = (int)key.Start.Line - 1; // 0-based
            var first = keyLine;
            while (first > 0 && LineText(text, lineStarts, first - 1).TrimStart().StartsWith('#'))
            {
                first--;
            }

            var indent = new string(' ', (int)key.Start.Column - 1);
            return new(lineStarts[first], lineStarts[keyLine], string.Concat(Lines.Select(l => $"{indent}# {l}\n")));
        }
    }

    /// <summary>A mapping entry removed, key and value (the comments above it stay).</summary>
    private sealed record Remove(string Path) : Rule(Path)
    {
        public override bool ChangesValue => true;

        public override Edit Edit(YamlMappingNode root, string text, List<int> lineStarts)
        {
            var (key, value) = Find(root, Path);
            if (key is null)
            {
                throw new InvalidOperationException($"template.yaml '{Path}' is not a mapping entry to remove.");
            }

            // The last line holding the value: its deepest scalars end there (a block's own end mark is the next key).
            var last = value.AllNodes.OfType<YamlScalarNode>().Max(s => (int)s.End.Line) - 1;
            return new(lineStarts[(int)key.Start.Line - 1], last + 1 < lineStarts.Count ? lineStarts[last + 1] : text.Length, "");
        }

        public override void Check(CfnNode before, CfnNode after, List<string> problems)
        {
            if (At(after, Path) is not null)
            {
                problems.Add($"{Path}: should be gone");
            }
        }
    }

    private static string LineText(string text, List<int> lineStarts, int line)
    {
        var end = line + 1 < lineStarts.Count ? lineStarts[line + 1] : text.Length;
        return text[lineStarts[line]..end];
    }
}
