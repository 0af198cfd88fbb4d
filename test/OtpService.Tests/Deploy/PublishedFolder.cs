using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;

namespace OtpService.Tests.Deploy;

/// <summary>A handler type as the published metadata declares it.</summary>
public sealed record HandlerShape(bool TypeFound, bool PublicConcrete, bool ParameterlessConstructor, IReadOnlyList<(IReadOnlyList<string> Parameters, string Returns)> Methods);

/// <summary>
/// A function's published folder read as metadata only (System.Reflection.Metadata, in the box):
/// works for ReadyToRun images of any machine type, which the running runtime would refuse to load.
/// References resolve as the host resolves them: an assembly listed in the folder's deps.json and
/// present in the folder, else the shared framework (Microsoft.NETCore.App of this test host, the
/// same major version as the dotnet10 managed runtime).
/// </summary>
public sealed class PublishedFolder
{
    private static readonly string FrameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private readonly string _folder;
    private readonly string _mainAssembly;
    private readonly HashSet<string> _listedInDeps;

    public PublishedFolder(string folder, string mainAssembly)
    {
        _folder = folder;
        _mainAssembly = mainAssembly;
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, $"{mainAssembly}.deps.json")))!;
        var target = deps["runtimeTarget"]?["name"]?.GetValue<string>() ?? "";
        _listedInDeps = (deps["targets"]?[target]?.AsObject() ?? [])
            .SelectMany(l => l.Value?["runtime"]?.AsObject().Select(a => Path.GetFileNameWithoutExtension(a.Key)) ?? [])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public List<string> ResolvedFromFolder { get; } = [];

    public List<string> ResolvedFromFramework { get; } = [];

    public HandlerShape FindHandler(string typeFullName, string methodName)
    {
        using var pe = Open(_mainAssembly);
        var md = pe.GetMetadataReader();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var ns = md.GetString(type.Namespace);
            var name = ns.Length == 0 ? md.GetString(type.Name) : $"{ns}.{md.GetString(type.Name)}";
            if (name != typeFullName || !type.GetDeclaringType().IsNil)
            {
                continue;
            }

            var attributes = type.Attributes;
            var publicConcrete = (attributes & TypeAttributes.VisibilityMask) == TypeAttributes.Public
                && (attributes & TypeAttributes.Abstract) == 0
                && (attributes & TypeAttributes.Interface) == 0;
            var provider = new TypeNames();
            var ctor = false;
            var methods = new List<(IReadOnlyList<string>, string)>();
            foreach (var mh in type.GetMethods())
            {
                var method = md.GetMethodDefinition(mh);
                if ((method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public)
                {
                    continue;
                }

                var methodNameText = md.GetString(method.Name);
                var signature = method.DecodeSignature(provider, null);
                if (methodNameText == ".ctor" && (method.Attributes & MethodAttributes.Static) == 0 && signature.ParameterTypes.Length == 0)
                {
                    ctor = true;
                }
                else if (methodNameText == methodName)
                {
                    methods.Add((signature.ParameterTypes, signature.ReturnType));
                }
            }

            return new HandlerShape(true, publicConcrete, ctor, methods);
        }

        return new HandlerShape(false, false, false, []);
    }

    /// <summary>Every assembly reference, from the main assembly on through every assembly found in the folder, that resolves nowhere.</summary>
    public List<string> UnresolvedReferences()
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { _mainAssembly };
        var pending = new Queue<string>([_mainAssembly]);
        ResolvedFromFolder.Add(_mainAssembly);
        while (pending.TryDequeue(out var current))
        {
            using var pe = Open(current);
            var md = pe.GetMetadataReader();
            foreach (var rh in md.AssemblyReferences)
            {
                var reference = md.GetAssemblyReference(rh);
                var name = md.GetString(reference.Name);
                if (!seen.Add(name))
                {
                    continue;
                }

                var inFolder = Path.Combine(_folder, $"{name}.dll");
                var inFramework = Path.Combine(FrameworkDir, $"{name}.dll");
                if (File.Exists(inFolder) && _listedInDeps.Contains(name))
                {
                    if (VersionOf(inFolder) < reference.Version)
                    {
                        problems.Add($"{current} needs {name} {reference.Version}, the folder has {VersionOf(inFolder)}");
                    }

                    ResolvedFromFolder.Add(name);
                    pending.Enqueue(name);
                }
                else if (File.Exists(inFolder))
                {
                    problems.Add($"{name}.dll is in the folder but not in deps.json, so the host would not load it ({current} needs it)");
                }
                else if (File.Exists(inFramework) && VersionOf(inFramework) >= reference.Version)
                {
                    ResolvedFromFramework.Add(name);
                }
                else
                {
                    problems.Add($"{current} needs {name} {reference.Version}");
                }
            }
        }

        return problems;
    }

    private PEReader Open(string assemblyName) => new(File.OpenRead(Path.Combine(_folder, $"{assemblyName}.dll")));

    private static Version VersionOf(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        return pe.GetMetadataReader().GetAssemblyDefinition().Version;
    }

    /// <summary>Renders signature types as "Namespace.Name", generic instances as "Name`1&lt;Arg&gt;".</summary>
    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => $"System.{typeCode}";

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeDefinition(handle);
            return Qualified(reader.GetString(type.Namespace), reader.GetString(type.Name));
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeReference(handle);
            var name = Qualified(reader.GetString(type.Namespace), reader.GetString(type.Name));
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{GetTypeFromReference(reader, (TypeReferenceHandle)type.ResolutionScope, rawTypeKind)}+{name}"
                : name;
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";

        public string GetSZArrayType(string elementType) => $"{elementType}[]";

        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";

        public string GetByReferenceType(string elementType) => $"{elementType}&";

        public string GetPointerType(string elementType) => $"{elementType}*";

        public string GetPinnedType(string elementType) => elementType;

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetGenericTypeParameter(object? genericContext, int index) => $"!{index}";

        public string GetGenericMethodParameter(object? genericContext, int index) => $"!!{index}";

        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";

        private static string Qualified(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
