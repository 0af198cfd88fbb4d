using System.Globalization;
using System.Text.RegularExpressions;
using OtpService.Local.Emulators;
using OtpService.Local.Streams;

namespace OtpService.Local.Template;

/// <summary>
/// What the local runner reads from template.yaml at run time, so it stands in for exactly the
/// stack that would be deployed: the stream event source mapping (filter, batch size, retries),
/// the API's CORS settings, the table's definition and the environment variables each function
/// declares. Parameters take the value of the environment variable the template feeds them into
/// (<c>OTP_CORS_ALLOWED_ORIGIN: !Ref CorsAllowedOrigin</c> makes <c>CorsAllowedOrigin</c> follow
/// <c>OTP_CORS_ALLOWED_ORIGIN</c>), else their <c>Default</c>.
/// </summary>
internal sealed partial class SamTemplate
{
    private readonly CfnTemplate template;
    private readonly Func<string, string?> environment;

    private SamTemplate(CfnTemplate template, Func<string, string?> environment)
    {
        this.template = template;
        this.environment = environment;
    }

    /// <summary>The template's path in a clone.</summary>
    public static string PathIn(string repositoryRoot) => Path.Combine(repositoryRoot, "template.yaml");

    /// <summary>Reads the repository's template.yaml; parameters follow <paramref name="environment"/> (the process environment by default).</summary>
    public static SamTemplate Load(Func<string, string?>? environment = null) =>
        Parse(File.ReadAllText(PathIn(RepositoryRoot.Find())), environment);

    public static SamTemplate Parse(string yaml, Func<string, string?>? environment = null) =>
        new(CfnTemplate.Parse(yaml), environment ?? Environment.GetEnvironmentVariable);

    /// <summary>A template already parsed; parameters follow <paramref name="environment"/> (the process environment by default).</summary>
    public static SamTemplate From(CfnTemplate template, Func<string, string?>? environment = null) =>
        new(template, environment ?? Environment.GetEnvironmentVariable);

    /// <summary>
    /// The DynamoDB stream event source mapping (the first <c>Type: DynamoDB</c> event of any
    /// function), with Lambda's defaults for what the template leaves out
    /// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventsourcemapping.html).
    /// </summary>
    /// <exception cref="InvalidOperationException">The template has no DynamoDB event.</exception>
    public StreamMapping StreamMapping()
    {
        foreach (var (id, function) in template.Resources("AWS::Serverless::Function"))
        {
            foreach (var (eventName, source) in function["Properties"]?["Events"]?.Entries ?? [])
            {
                if (source["Type"]?.Value != "DynamoDB")
                {
                    continue;
                }

                var p = source["Properties"];
                var patterns = (p?["FilterCriteria"]?["Filters"]?.Items ?? [])
                    .Select(f => Evaluate(f["Pattern"]) ?? throw new InvalidOperationException($"A filter without a Pattern ({f.Where})."))
                    .ToList();
                return new StreamMapping
                {
                    FunctionLogicalId = id,
                    FunctionName = FunctionName(id),
                    EventName = eventName,
                    BatchSize = Integer(p?["BatchSize"]) ?? 100,
                    MaximumRetryAttempts = Integer(p?["MaximumRetryAttempts"]) ?? -1,
                    MaximumRecordAgeInSeconds = Integer(p?["MaximumRecordAgeInSeconds"]) ?? -1,
                    BisectBatchOnFunctionError = Evaluate(p?["BisectBatchOnFunctionError"]) is "true",
                    ReportBatchItemFailures = (p?["FunctionResponseTypes"]?.Items ?? []).Any(t => t.Value == "ReportBatchItemFailures"),
                    StartingPosition = Evaluate(p?["StartingPosition"]) ?? "LATEST",
                    Filter = new EventFilter(patterns),
                    OnFailureDestination = p?["DestinationConfig"]?["OnFailure"]?["Destination"] is { } destination ? Describe(destination) : null,
                };
            }
        }

        throw new InvalidOperationException("template.yaml has no function with a DynamoDB stream event.");
    }

    /// <summary>The REST API's CORS settings (SAM's <c>Cors</c> on the <c>AWS::Serverless::Api</c>), or null when it has none.</summary>
    public CorsSettings? Cors()
    {
        var cors = template.Resources("AWS::Serverless::Api").Select(r => r.Resource["Properties"]?["Cors"]).FirstOrDefault(c => c is not null)
            ?? template.Root["Globals"]?["Api"]?["Cors"];
        if (cors is null)
        {
            return null;
        }

        // SAM's values are API Gateway header mappings: a string in single quotes.
        static string? Unquote(string? value) => value is { Length: >= 2 } && value[0] == '\'' && value[^1] == '\'' ? value[1..^1] : value;
        if (cors.Kind == CfnNodeKind.Scalar)
        {
            return new CorsSettings(Unquote(Evaluate(cors)), "", "", null);
        }

        return new CorsSettings(
            Unquote(Evaluate(cors["AllowOrigin"])),
            Unquote(Evaluate(cors["AllowMethods"])) ?? "",
            Unquote(Evaluate(cors["AllowHeaders"])) ?? "",
            Unquote(Evaluate(cors["MaxAge"])));
    }

    /// <summary>
    /// The REST API's customised gateway responses (SAM's <c>GatewayResponses</c> on the
    /// <c>AWS::Serverless::Api</c>, or in <c>Globals.Api</c>), header values evaluated and unquoted.
    /// A header whose value is not a quoted literal (a request mapping such as
    /// <c>method.request.header.Origin</c>) or evaluates to <c>AWS::NoValue</c> is left out.
    /// </summary>
    public Api.GatewayResponses GatewayResponses()
    {
        var responses = template.Resources("AWS::Serverless::Api").Select(r => r.Resource["Properties"]?["GatewayResponses"]).FirstOrDefault(c => c is not null)
            ?? template.Root["Globals"]?["Api"]?["GatewayResponses"];
        var byType = new Dictionary<string, Api.GatewayResponse>(StringComparer.Ordinal);
        foreach (var (type, response) in responses?.Entries ?? [])
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in response["ResponseParameters"]?["Headers"]?.Entries ?? [])
            {
                if (Evaluate(value) is { Length: >= 2 } literal && literal[0] == '\'' && literal[^1] == '\'')
                {
                    headers[name] = literal[1..^1];
                }
            }

            byType[type] = new Api.GatewayResponse(Integer(response["StatusCode"]), headers, Evaluate(response["ResponseTemplates"]?["application/json"]));
        }

        return new Api.GatewayResponses(byType);
    }

    /// <summary>
    /// A function's Lambda timeout: its own <c>Timeout</c>, else <c>Globals.Function.Timeout</c>,
    /// else Lambda's default of 3 s (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
    /// </summary>
    /// <param name="functionName">The runner's name (GenerateOtp) or the logical id.</param>
    public TimeSpan FunctionTimeout(string functionName)
    {
        var id = FunctionLogicalId(functionName);
        var own = id is null ? null : template.Resource(id)?["Properties"]?["Timeout"];
        return TimeSpan.FromSeconds(Integer(own ?? template.Root["Globals"]?["Function"]?["Timeout"]) ?? 3);
    }

    /// <summary>The <c>AWS::DynamoDB::Table</c> the functions use (the first one), as CreateTable needs it.</summary>
    public TableDefinition Table()
    {
        var (id, table) = template.Resources("AWS::DynamoDB::Table").FirstOrDefault();
        var p = table?["Properties"] ?? throw new InvalidOperationException("template.yaml has no AWS::DynamoDB::Table.");
        return new TableDefinition(
            LogicalId: id,
            Attributes: (p["AttributeDefinitions"]?.Items ?? []).Select(a => (Evaluate(a["AttributeName"])!, Evaluate(a["AttributeType"])!)).ToList(),
            KeySchema: (p["KeySchema"]?.Items ?? []).Select(k => (Evaluate(k["AttributeName"])!, Evaluate(k["KeyType"])!)).ToList(),
            StreamViewType: Evaluate(p["StreamSpecification"]?["StreamViewType"]),
            TimeToLiveAttribute: Evaluate(p["TimeToLiveSpecification"]?["Enabled"]) is "true" ? Evaluate(p["TimeToLiveSpecification"]?["AttributeName"]) : null);
    }

    /// <summary>
    /// The environment variables each function declares (Globals.Function's and its own), by the
    /// function's name as the runner knows it (GenerateOtp, ...) and by its logical id
    /// (GenerateOtpFunction): the only ones <c>sam local invoke --env-vars</c> overrides.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> DeclaredVariables()
    {
        var global = VariableNames(template.Root["Globals"]?["Function"]?["Environment"]?["Variables"]);
        var result = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (id, function) in template.Resources("AWS::Serverless::Function"))
        {
            var own = VariableNames(function["Properties"]?["Environment"]?["Variables"]);
            var all = new HashSet<string>(global.Concat(own), StringComparer.Ordinal);
            result[id] = all;
            result[FunctionName(id)] = all;
        }

        return result;
    }

    /// <summary>
    /// The runner's name for a function: the handler's assembly, which is the whole Handler in the
    /// executable form the templates use (<c>GenerateOtp</c>) and its first part in the class-library
    /// form (<c>GenerateOtp::Type::Method</c>); the logical id when there is no Handler.
    /// </summary>
    public string FunctionName(string logicalId)
    {
        var handler = Evaluate(template.Resource(logicalId)?["Properties"]?["Handler"]);
        return handler switch
        {
            { Length: > 0 } h when h.IndexOf("::", StringComparison.Ordinal) is > 0 and var end => h[..end],
            { Length: > 0 } h => h,
            _ => logicalId,
        };
    }

    /// <summary>The logical id of the function the runner calls <paramref name="functionName"/>.</summary>
    public string? FunctionLogicalId(string functionName) =>
        template.Resources("AWS::Serverless::Function").Select(r => r.LogicalId)
            .FirstOrDefault(id => string.Equals(FunctionName(id), functionName, StringComparison.Ordinal) || id == functionName);

    private static HashSet<string> VariableNames(CfnNode? variables) =>
        new((variables?.Entries ?? []).Select(e => e.Key), StringComparer.Ordinal);

    private int? Integer(CfnNode? node) =>
        Evaluate(node) is { } text ? int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// A node's value with the intrinsics the template uses evaluated: <c>Ref</c> (parameters,
    /// <c>AWS::NoValue</c> as null), <c>Fn::If</c>, <c>Fn::Sub</c> over parameters, <c>Fn::Not</c>,
    /// <c>Fn::Equals</c>. Anything else (resource attributes, ARNs) is only known after a deploy: null.
    /// </summary>
    internal string? Evaluate(CfnNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node.Intrinsic is not { } fn)
        {
            return node.Kind == CfnNodeKind.Scalar ? node.Value : null;
        }

        var args = fn.Argument.Items;
        return fn.Name switch
        {
            "Ref" => Parameter(fn.Argument.Value ?? ""),
            "Fn::If" when args.Count == 3 => Condition(args[0].Value ?? "") ? Evaluate(args[1]) : Evaluate(args[2]),
            "Fn::Sub" when fn.Argument.Kind == CfnNodeKind.Scalar => SubPlaceholder().Replace(fn.Argument.Value ?? "", m => Parameter(m.Groups[1].Value) ?? ""),
            "Fn::Not" when args.Count == 1 => IsTrue(args[0]) ? "false" : "true",
            "Fn::Equals" when args.Count == 2 => string.Equals(Evaluate(args[0]), Evaluate(args[1]), StringComparison.Ordinal) ? "true" : "false",
            "Condition" => Condition(fn.Argument.Value ?? "") ? "true" : "false",
            _ => null,
        };
    }

    private bool IsTrue(CfnNode node) => Evaluate(node) is "true";

    private bool Condition(string name) =>
        template.Root["Conditions"]?[name] is { } condition
            ? IsTrue(condition)
            : throw new InvalidOperationException($"template.yaml uses an undefined condition '{name}'.");

    /// <summary>A parameter's value: the environment variable the template feeds it into, else its Default.</summary>
    private string? Parameter(string name)
    {
        if (name == "AWS::NoValue")
        {
            return null;
        }

        if (name.StartsWith("AWS::", StringComparison.Ordinal))
        {
            return name switch
            {
                "AWS::Region" => environment("AWS_REGION") ?? "us-east-1",
                "AWS::AccountId" => "123456789012",
                "AWS::Partition" => "aws",
                "AWS::URLSuffix" => "amazonaws.com",
                "AWS::StackName" => "local",
                _ => null,
            };
        }

        if (template.Root["Parameters"]?[name] is not { } parameter)
        {
            return null; // A resource: its name or ARN exists only after a deploy.
        }

        foreach (var variable in VariablesFedBy(name))
        {
            if (environment(variable) is { } value)
            {
                return value;
            }
        }

        return parameter["Default"]?.Value;
    }

    private IEnumerable<string> VariablesFedBy(string parameter)
    {
        var scopes = new[] { template.Root["Globals"]?["Function"] }
            .Concat(template.Resources("AWS::Serverless::Function").Select(r => r.Resource["Properties"]));
        foreach (var scope in scopes)
        {
            foreach (var (variable, value) in scope?["Environment"]?["Variables"]?.Entries ?? [])
            {
                if (value.Intrinsic is ("Ref", var argument) && argument.Value == parameter)
                {
                    yield return variable;
                }
            }
        }
    }

    private static string Describe(CfnNode destination) =>
        destination.Intrinsic is ("Fn::GetAtt", var argument) ? (argument.Items.Count > 0 ? argument.Items[0].Value : null) ?? destination.Describe() : destination.Describe();

    [GeneratedRegex(@"\$\{([A-Za-z0-9:]+)\}")]
    private static partial Regex SubPlaceholder();
}
