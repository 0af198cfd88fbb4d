using Xunit;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using OtpService.Local.Template;

namespace OtpService.Tests.Deploy;

/// <summary>
/// template.yaml against the code it deploys (issue 5). Each test gathers every problem it
/// finds and fails once, naming the template line of each.
/// </summary>
public sealed partial class TemplateContractTests
{
    private const string FunctionType = "AWS::Serverless::Function";

    /// <summary>Why a variable the code may read must stay out of the template, or null if it may be set.</summary>
    private static string? NotForTheTemplate(string name) =>
        name is "OTP_SIGNING_KEY" or "OTP_CLIENT_KEY" ? "local development only; in AWS the key comes from Secrets Manager"
        : name == "OTP_SUBJECT_KEY" ? "local development only; in AWS the subject key comes from Secrets Manager"
        : name == "OTP_TOKEN_SIGNING_KEY" ? "a private key in the function's configuration; in AWS the key is in Secrets Manager (OTP_TOKEN_SIGNING_KEY_SECRET_ARN) or KMS"
        : name.StartsWith("AWS_ENDPOINT_URL", StringComparison.Ordinal) ? "it points SDK calls at local emulators"
        : name == "OTP_AWS_TIMEOUT_CAP_SECONDS" ? "room for slow local emulators; in AWS each call keeps AWS's own attempt caps"
        : null;

    private static readonly string[] FunctionsThatDeriveCodes = ["SendOtpEmailFunction", "VerifyOtpFunction"];

    /// <summary>The API functions: they key the per-client limits on an HMAC of the caller under the client key.</summary>
    private static readonly string[] FunctionsThatTagClients = ["GenerateOtpFunction", "VerifyOtpFunction"];

    private readonly CfnTemplate _template;

    public TemplateContractTests()
        : this(CfnTemplate.Load(RepositoryFiles.PathOf("template.yaml")))
    {
    }

    internal TemplateContractTests(CfnTemplate template) => _template = template;

    [Fact]
    public void EveryFunctionHandler_IsTheExecutableAssemblyOfTheProjectAtCodeUri() =>
        AssertNone(HandlerProblems());

    [Fact]
    public void EveryFunction_RunsOnTheTargetFrameworkOfItsProject_AndBuildsWithItsMakefile() =>
        AssertNone(RuntimeAndBuildProblems());

    [Fact]
    public void EnvironmentVariables_MatchWhatTheCodeReads() =>
        AssertNone(EnvironmentProblems());

    [Fact]
    public void SenderStreamEvent_FiltersInserts_ReportsItemFailures_AndHasAnOnFailureDestination() =>
        AssertNone(StreamEventProblems());

    [Fact]
    public void Table_HasTheSeedKeys_TtlOnDeleteAfter_AndAStreamWithNewImages() =>
        AssertNone(TableProblems());

    [Fact]
    public void ApiFunctions_ServeGetAndPost_OnTheLiveAliasWithSnapStart() =>
        AssertNone(ApiAndAliasProblems());

    [Fact]
    public void TokenSigningKey_IsAnEs256KeyInSecretsManagerByDefault_OrKmsP256KeysInTwoSlotsWhenChosen() =>
        AssertNone(TokenKeyProblems());

    [Fact]
    public void Outputs_GiveTheApiUrlsAndTheTableName() =>
        AssertNone(OutputProblems());

    [Fact]
    public void EnvJson_OverridesOnlyTemplateFunctions_AndCarriesTheLabelledDevelopmentKey() =>
        AssertNone(EnvJsonProblems());

    /// <summary>
    /// Each Handler is the executable form (docs/deploy.md, "Handler form"): the name of the
    /// assembly of the project at CodeUri, which is an executable (it has an entry point), so
    /// bootstrap.sh runs <c>dotnet exec $LAMBDA_TASK_ROOT/&lt;Handler&gt;.dll</c>. The class-library
    /// form (Assembly::Type::Method) would need Amazon.Lambda.Core in the package.
    /// </summary>
    internal IEnumerable<string> HandlerProblems()
    {
        foreach (var (id, function) in Functions())
        {
            var handler = function["Properties"]?["Handler"];
            if (handler?.Value is not { } text)
            {
                yield return $"{function.Where}: {id} has no Handler.";
                continue;
            }

            if (text.Contains(':', StringComparison.Ordinal))
            {
                yield return $"{handler.Where}: {id} Handler '{text}' is the class-library form; the managed runtime's host for it needs Amazon.Lambda.Core in the package. Use the assembly name.";
                continue;
            }

            var project = ProjectAt(function);
            if (project is null)
            {
                yield return $"{function.Where}: {id} CodeUri does not name a folder with one .csproj.";
                continue;
            }

            var projectAssembly = AssemblyNameOf(project);
            if (text != projectAssembly)
            {
                yield return $"{handler.Where}: {id} Handler '{text}' is not the assembly of {Relative(project)} ('{projectAssembly}').";
                continue;
            }

            if (ProjectProperty(project, "OutputType") != "Exe")
            {
                yield return $"{handler.Where}: {id}: {Relative(project)} is not an executable (OutputType Exe); dotnet exec cannot run {text}.dll.";
                continue;
            }

            var assembly = TryLoad(text);
            if (assembly is null)
            {
                yield return $"{handler.Where}: {id} assembly '{text}' is not in the test output; does the test project reference {Relative(project)}?";
            }
            else if (assembly.EntryPoint is null)
            {
                yield return $"{handler.Where}: {id} assembly '{text}' has no entry point (Main).";
            }
        }
    }

    internal IEnumerable<string> RuntimeAndBuildProblems()
    {
        foreach (var (id, function) in Functions())
        {
            var runtime = _template.FunctionProperty(function, "Runtime");
            var project = ProjectAt(function);
            if (project is null)
            {
                yield return $"{function.Where}: {id} CodeUri does not name a folder with one .csproj.";
                continue;
            }

            var framework = TargetFrameworkOf(project);
            var match = runtime?.Value is { } r ? DotnetRuntime().Match(r) : Match.Empty;
            if (!match.Success)
            {
                yield return $"{runtime?.Where ?? function.Where}: {id} Runtime '{runtime?.Value}' is not a managed .NET runtime (dotnetN).";
            }
            else if (framework != $"net{match.Groups[1].Value}.0")
            {
                yield return $"{runtime!.Where}: {id} Runtime {runtime.Value} does not run {Relative(project)}, which targets {framework}.";
            }

            var metadata = function["Metadata"];
            if (metadata?["BuildMethod"]?.Value != "makefile")
            {
                yield return $"{metadata?.Where ?? function.Where}: {id} Metadata BuildMethod must be makefile (sam build runs build-{id} from the project's Makefile).";
                continue;
            }

            var makefile = Path.Combine(Path.GetDirectoryName(project)!, "Makefile");
            var makeText = File.Exists(makefile) ? File.ReadAllText(makefile) : "";
            if (!Regex.IsMatch(makeText, $"^build-{Regex.Escape(id)}:", RegexOptions.Multiline))
            {
                yield return $"{metadata.Where}: {id} builds with a Makefile, but {Relative(makefile)} has no target 'build-{id}:'.";
            }
            else if (!makeText.Contains($"dotnet publish {Path.GetFileName(project)}", StringComparison.Ordinal) || !makeText.Contains("$(ARTIFACTS_DIR)", StringComparison.Ordinal))
            {
                yield return $"{metadata.Where}: {id}: {Relative(makefile)} must 'dotnet publish {Path.GetFileName(project)}' into $(ARTIFACTS_DIR).";
            }

            var architectures = _template.FunctionProperty(function, "Architectures");
            var architecture = architectures is { Items.Count: > 0 } ? architectures.Items[0].Value : "x86_64";
            var rid = architecture == "arm64" ? "linux-arm64" : "linux-x64";
            if (makeText.Length > 0 && !makeText.Contains($"--runtime {rid}", StringComparison.Ordinal)
                && !(Regex.IsMatch(makeText, $"^RID \\?= {Regex.Escape(rid)}$", RegexOptions.Multiline) && makeText.Contains("--runtime $(RID)", StringComparison.Ordinal)))
            {
                yield return $"{architectures?.Where ?? function.Where}: {id} runs on {architecture}, but {Relative(makefile)} does not publish for {rid}.";
            }
        }
    }

    internal IEnumerable<string> EnvironmentProblems()
    {
        var read = VariablesTheCodeReads();
        var set = new List<(string Name, CfnNode Node, string Scope)>();
        foreach (var v in _template.Root["Globals"]?["Function"]?["Environment"]?["Variables"]?.Entries ?? [])
        {
            set.Add((v.Key, v.Value, "Globals"));
        }

        foreach (var (id, function) in Functions())
        {
            foreach (var v in function["Properties"]?["Environment"]?["Variables"]?.Entries ?? [])
            {
                set.Add((v.Key, v.Value, id));
            }
        }

        foreach (var (name, node, scope) in set)
        {
            if (NotForTheTemplate(name) is { } why)
            {
                yield return $"{node.Where}: {scope} sets {name}, which must not be in the template ({why}).";
            }
            else if (!read.Contains(name))
            {
                yield return $"{node.Where}: {scope} sets {name}, but no code under src/ reads it.";
            }
        }

        var setNames = set.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in read.Where(n => !setNames.Contains(n) && NotForTheTemplate(n) is null).Order(StringComparer.Ordinal))
        {
            yield return $"{_template.Root["Globals"]?.Where ?? "template.yaml"}: the code reads {name}, but the template sets it for no function.";
        }

        foreach (var (id, function) in Functions())
        {
            var own = set.Where(s => s.Scope == id || s.Scope == "Globals").Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            var needsKey = FunctionsThatDeriveCodes.Contains(id);
            if (needsKey != own.Contains("OTP_SIGNING_KEY_SECRET_ARN"))
            {
                yield return needsKey
                    ? $"{function.Where}: {id} derives codes but gets no OTP_SIGNING_KEY_SECRET_ARN."
                    : $"{function.Where}: {id} stores nonces only and must not get OTP_SIGNING_KEY_SECRET_ARN (least privilege).";
            }
        }

        foreach (var (id, function) in Functions())
        {
            var own = set.Where(s => s.Scope == id || s.Scope == "Globals").Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            var tags = FunctionsThatTagClients.Contains(id);
            if (tags != own.Contains("OTP_CLIENT_KEY_SECRET_ARN"))
            {
                yield return tags
                    ? $"{function.Where}: {id} keys per-client limits but gets no OTP_CLIENT_KEY_SECRET_ARN."
                    : $"{function.Where}: {id} has no per-client limits and must not get OTP_CLIENT_KEY_SECRET_ARN (least privilege).";
            }
        }

        foreach (var (id, function) in Functions())
        {
            var variables = function["Properties"]?["Environment"]?["Variables"];
            var signsTokens = id == "VerifyOtpFunction";
            foreach (var name in (string[])["OTP_TOKEN_SIGNING_KEY_SECRET_ARN", "OTP_TOKEN_SIGNING_KEY_ID", "OTP_TOKEN_ROTATION_KEY_ID", "OTP_SUBJECT_KEY_SECRET_ARN"])
            {
                if (signsTokens != (variables?[name] is not null))
                {
                    yield return signsTokens
                        ? $"{function.Where}: {id} signs tokens but gets no {name}."
                        : $"{variables?[name]?.Where ?? function.Where}: {id} issues no tokens and must not get {name} (least privilege).";
                }
            }
        }

        if (_template.Resource("SendOtpEmailFunction") is { } sender && sender["Properties"]?["Environment"]?["Variables"]?["OTP_SENDER_ADDRESS"] is null)
        {
            yield return $"{sender.Where}: SendOtpEmailFunction gets no OTP_SENDER_ADDRESS.";
        }
    }

    internal IEnumerable<string> StreamEventProblems()
    {
        var sender = _template.Resource("SendOtpEmailFunction");
        if (sender is null)
        {
            yield return "template.yaml: no SendOtpEmailFunction.";
            yield break;
        }

        var events = (sender["Properties"]?["Events"]?.Entries ?? []).Where(e => e.Value["Type"]?.Value == "DynamoDB").ToList();
        if (events.Count != 1)
        {
            yield return $"{sender.Where}: SendOtpEmailFunction needs exactly one DynamoDB event; it has {events.Count}.";
            yield break;
        }

        var (name, ev) = events[0];
        var p = ev["Properties"];
        if (p is null)
        {
            yield return $"{ev.Where}: event {name} has no Properties.";
            yield break;
        }

        if (p["Stream"]?.Describe() != "!GetAtt OtpTable.StreamArn")
        {
            yield return $"{p["Stream"]?.Where ?? p.Where}: event {name} must read !GetAtt OtpTable.StreamArn, not '{p["Stream"]?.Describe()}'.";
        }

        var patterns = p["FilterCriteria"]?["Filters"]?.Items.Select(f => f["Pattern"]).ToList() ?? [];
        if (patterns.Count == 0)
        {
            yield return $"{p.Where}: event {name} has no FilterCriteria; MODIFY records (attempts, used, mailed) would invoke the sender.";
        }

        foreach (var pattern in patterns)
        {
            JsonNode? json = null;
            try
            {
                json = JsonNode.Parse(pattern?.Value ?? "");
            }
            catch (System.Text.Json.JsonException)
            {
            }

            var names = json?["eventName"]?.AsArray().Select(n => n?.GetValue<string>()).ToList();
            if (names is null || names.Count != 1 || names[0] != "INSERT")
            {
                yield return $"{pattern?.Where ?? p.Where}: event {name} filter must match eventName [\"INSERT\"] only: {pattern?.Value}";
            }

            if (json?["dynamodb"]?["NewImage"]?["NONCE"] is null)
            {
                yield return $"{pattern?.Where ?? p.Where}: event {name} filter must require dynamodb.NewImage.NONCE (code items only, not the per-address record): {pattern?.Value}";
            }
        }

        if (p["FunctionResponseTypes"]?.Items.Any(i => i.Value == "ReportBatchItemFailures") != true)
        {
            yield return $"{p["FunctionResponseTypes"]?.Where ?? p.Where}: event {name} must list FunctionResponseTypes [ReportBatchItemFailures].";
        }

        if (p["DestinationConfig"]?["OnFailure"]?["Destination"]?.Describe() != "!GetAtt StreamFailureQueue.Arn")
        {
            yield return $"{p["DestinationConfig"]?.Where ?? p.Where}: event {name} must send failed batches to DestinationConfig.OnFailure.Destination !GetAtt StreamFailureQueue.Arn.";
        }

        if (!int.TryParse(p["MaximumRetryAttempts"]?.Value, out var retries) || retries is < 0 or > 10)
        {
            yield return $"{p["MaximumRetryAttempts"]?.Where ?? p.Where}: event {name} MaximumRetryAttempts must be bounded (0..10); unset or -1 retries until the record expires and blocks its shard.";
        }

        if (p["BisectBatchOnFunctionError"]?.Value != "true")
        {
            yield return $"{p["BisectBatchOnFunctionError"]?.Where ?? p.Where}: event {name} should set BisectBatchOnFunctionError: true.";
        }

        if (p["StartingPosition"]?.Value != "LATEST")
        {
            yield return $"{p["StartingPosition"]?.Where ?? p.Where}: event {name} StartingPosition must be LATEST (never mail codes issued before the mapping existed).";
        }
    }

    internal IEnumerable<string> TableProblems()
    {
        var table = _template.Resource("OtpTable");
        var p = table?["Properties"];
        if (table is null || p is null)
        {
            yield return "template.yaml: no OtpTable with Properties.";
            yield break;
        }

        if (table["Type"]?.Value != "AWS::DynamoDB::Table")
        {
            yield return $"{table["Type"]?.Where}: OtpTable must be an AWS::DynamoDB::Table.";
        }

        string? TypeOf(string attribute) =>
            p["AttributeDefinitions"]?.Items.FirstOrDefault(a => a["AttributeName"]?.Value == attribute)?["AttributeType"]?.Value;
        string? KeyOf(string attribute) =>
            p["KeySchema"]?.Items.FirstOrDefault(a => a["AttributeName"]?.Value == attribute)?["KeyType"]?.Value;

        if (KeyOf("email_id") != "HASH" || TypeOf("email_id") != "S" || KeyOf("EXPIRATION_TIME") != "RANGE" || TypeOf("EXPIRATION_TIME") != "N")
        {
            yield return $"{p["KeySchema"]?.Where ?? p.Where}: OtpTable keys must be email_id (S, HASH) and EXPIRATION_TIME (N, RANGE).";
        }

        var ttl = p["TimeToLiveSpecification"];
        if (ttl?["AttributeName"]?.Value != "DELETE_AFTER" || ttl["Enabled"]?.Value != "true")
        {
            yield return $"{ttl?.Where ?? p.Where}: OtpTable needs TimeToLiveSpecification {{AttributeName: DELETE_AFTER, Enabled: true}}.";
        }

        var view = p["StreamSpecification"]?["StreamViewType"];
        if (view?.Value is not ("NEW_IMAGE" or "NEW_AND_OLD_IMAGES"))
        {
            yield return $"{view?.Where ?? p.Where}: OtpTable stream must carry new images (NEW_IMAGE); the sender reads the inserted item from the record.";
        }

        if (p["BillingMode"]?.Value != "PAY_PER_REQUEST")
        {
            yield return $"{p["BillingMode"]?.Where ?? p.Where}: OtpTable should be on-demand (BillingMode PAY_PER_REQUEST).";
        }
    }

    internal IEnumerable<string> ApiAndAliasProblems()
    {
        var routes = new (string Id, string Path, string[] Methods)[]
        {
            ("GenerateOtpFunction", "/otp/generate", ["get", "post"]),
            ("VerifyOtpFunction", "/otp/verify", ["get", "post"]),
            ("VerifyOtpFunction", "/.well-known/jwks.json", ["get"]),
        };
        foreach (var (id, path, methods) in routes)
        {
            var function = _template.Resource(id);
            if (function is null)
            {
                yield return $"template.yaml: no {id}.";
                continue;
            }

            var api = (function["Properties"]?["Events"]?.Entries ?? []).Where(e => e.Value["Type"]?.Value == "Api").Select(e => e.Value["Properties"]).ToList();
            foreach (var method in methods)
            {
                var ev = api.FirstOrDefault(a => a?["Path"]?.Value == path && string.Equals(a?["Method"]?.Value, method, StringComparison.OrdinalIgnoreCase));
                if (ev is null)
                {
                    yield return $"{function.Where}: {id} has no Api event {method.ToUpperInvariant()} {path}.";
                }
                else if (ev["RestApiId"]?.Intrinsic is not { Name: "Ref" } reference || _template.Resource(reference.Argument.Value ?? "")?["Type"]?.Value != "AWS::Serverless::Api")
                {
                    yield return $"{ev.Where}: {id} {method.ToUpperInvariant()} {path} must name the template's AWS::Serverless::Api in RestApiId.";
                }
            }
        }

        foreach (var (id, function) in Functions())
        {
            var alias = _template.FunctionProperty(function, "AutoPublishAlias");
            var snapStart = _template.FunctionProperty(function, "SnapStart");
            if (string.IsNullOrEmpty(alias?.Value))
            {
                yield return $"{function.Where}: {id} has no AutoPublishAlias; events would call $LATEST, which SnapStart never snapshots.";
            }

            if (snapStart?["ApplyOn"]?.Value != "PublishedVersions")
            {
                yield return $"{snapStart?.Where ?? function.Where}: {id} needs SnapStart ApplyOn: PublishedVersions.";
            }
        }
    }

    /// <summary>
    /// TokenSigningKeyStore chooses the store, SecretsManager by default. SecretsManager: one secret
    /// created without a value (VerifyOtp writes the first P-256 key; CloudFormation cannot generate
    /// one), named to VerifyOtp as OTP_TOKEN_SIGNING_KEY_SECRET_ARN. KMS: two AWS::KMS::Key slots
    /// (ECC_NIST_P256, SIGN_VERIFY, no automatic rotation: KMS has none for asymmetric keys), each
    /// existing while it is in use or both are published; VerifyOtp gets the slot in use as
    /// OTP_TOKEN_SIGNING_KEY_ID and the other one only while both are published. Each store's
    /// resources and variables exist only when it is chosen.
    /// </summary>
    internal IEnumerable<string> TokenKeyProblems()
    {
        var expectedCondition = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TokenSigningKeyA"] = "HasTokenSigningKeyA",
            ["TokenSigningKeyB"] = "HasTokenSigningKeyB",
        };
        foreach (var (id, condition) in expectedCondition)
        {
            var key = _template.Resource(id);
            if (key is null || key["Type"]?.Value != "AWS::KMS::Key")
            {
                yield return $"template.yaml: no AWS::KMS::Key {id}.";
                continue;
            }

            var p = key["Properties"];
            if (p?["KeySpec"]?.Value != "ECC_NIST_P256" || p["KeyUsage"]?.Value != "SIGN_VERIFY")
            {
                yield return $"{p?.Where ?? key.Where}: {id} must be KeySpec ECC_NIST_P256 with KeyUsage SIGN_VERIFY (ES256).";
            }

            if (p?["EnableKeyRotation"]?.Value == "true")
            {
                yield return $"{p["EnableKeyRotation"]!.Where}: {id}: KMS rotates no asymmetric key; rotation is the two slots.";
            }

            if (key["Condition"]?.Value != condition)
            {
                yield return $"{key.Where}: {id} must exist only under Condition {condition} (its slot in use, or both published).";
            }
        }

        var conditions = _template.Root["Conditions"];
        if (conditions?["HasTokenSigningKeyA"]?.Describe() != "!And [!Condition TokenKeyInKms, !Or [!Condition SignWithTokenKeyA, !Condition PublishBothTokenKeys]]"
            || conditions?["HasTokenSigningKeyB"]?.Describe() != "!And [!Condition TokenKeyInKms, !Or [!Not [!Condition SignWithTokenKeyA], !Condition PublishBothTokenKeys]]")
        {
            yield return $"{conditions?.Where ?? "template.yaml"}: each key slot must exist, with TokenSigningKeyStore KMS only, while it signs or while both keys are published.";
        }

        if (conditions?["TokenKeyInKms"]?.Describe() != "!Equals [!Ref TokenSigningKeyStore, KMS]"
            || conditions?["TokenKeyInSecretsManager"]?.Describe() != "!Not [!Condition TokenKeyInKms]"
            || _template.Root["Parameters"]?["TokenSigningKeyStore"]?["Default"]?.Value != "SecretsManager")
        {
            yield return $"{conditions?.Where ?? "template.yaml"}: TokenSigningKeyStore (default SecretsManager) must choose the store: TokenKeyInKms, TokenKeyInSecretsManager its negation.";
        }

        var secret = _template.Resource("TokenSigningKeySecret");
        if (secret is null || secret["Type"]?.Value != "AWS::SecretsManager::Secret" || secret["Condition"]?.Value != "TokenKeyInSecretsManager")
        {
            yield return $"{secret?.Where ?? "template.yaml"}: no AWS::SecretsManager::Secret TokenSigningKeySecret under Condition TokenKeyInSecretsManager.";
        }
        else if (secret["Properties"]?["GenerateSecretString"] is { } generated)
        {
            yield return $"{generated.Where}: TokenSigningKeySecret must be created without a value: a generated password is no P-256 key, and VerifyOtp writes the first key only when there is none.";
        }

        var variables = _template.Resource("VerifyOtpFunction")?["Properties"]?["Environment"]?["Variables"];
        if (variables?["OTP_TOKEN_SIGNING_KEY_SECRET_ARN"]?.Describe() != "!If [TokenKeyInSecretsManager, !Ref TokenSigningKeySecret, ]")
        {
            yield return $"{variables?.Where ?? "template.yaml"}: VerifyOtpFunction's OTP_TOKEN_SIGNING_KEY_SECRET_ARN must be the token key secret with TokenSigningKeyStore SecretsManager, else empty.";
        }

        if (variables?["OTP_TOKEN_SIGNING_KEY_ID"]?.Describe() != "!If [TokenKeyInKms, !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyA.Arn, !GetAtt TokenSigningKeyB.Arn], ]")
        {
            yield return $"{variables?.Where ?? "template.yaml"}: VerifyOtpFunction's OTP_TOKEN_SIGNING_KEY_ID must be the slot in use with TokenSigningKeyStore KMS, else empty.";
        }

        if (variables?["OTP_TOKEN_ROTATION_KEY_ID"]?.Describe() != "!If [TokenKeyInKms, !If [PublishBothTokenKeys, !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyB.Arn, !GetAtt TokenSigningKeyA.Arn], ], ]")
        {
            yield return $"{variables?.Where ?? "template.yaml"}: VerifyOtpFunction's OTP_TOKEN_ROTATION_KEY_ID must be the other slot while both are published (KMS only), else empty.";
        }
    }

    internal IEnumerable<string> OutputProblems()
    {
        var outputs = _template.Root["Outputs"]?.Entries ?? [];
        if (outputs.Count == 0)
        {
            yield return "template.yaml: no Outputs.";
            yield break;
        }

        var values = outputs.Select(o => (o.Key, Value: o.Value["Value"])).ToList();
        foreach (var path in (string[])["/otp/generate", "/otp/verify"])
        {
            if (!values.Any(v => v.Value?.Describe() is { } d && d.Contains("execute-api", StringComparison.Ordinal) && d.Contains(path, StringComparison.Ordinal)))
            {
                yield return $"{_template.Root["Outputs"]!.Where}: no output gives the API URL of {path}.";
            }
        }

        if (!values.Any(v => v.Value?.Describe() is { } d && d.Contains("execute-api", StringComparison.Ordinal) && d.EndsWith("/.well-known/jwks.json", StringComparison.Ordinal)))
        {
            yield return $"{_template.Root["Outputs"]!.Where}: no output gives the JWKS URL relying parties need.";
        }

        if (!values.Any(v => v.Key == "TokenIssuer"))
        {
            yield return $"{_template.Root["Outputs"]!.Where}: no TokenIssuer output (the iss relying parties must expect).";
        }

        if (!values.Any(v => v.Value?.Describe() == "!Ref OtpTable"))
        {
            yield return $"{_template.Root["Outputs"]!.Where}: no output gives the table name (!Ref OtpTable).";
        }
    }

    internal IEnumerable<string> EnvJsonProblems()
    {
        var env = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf("events", "env.json")))!.AsObject();
        var functions = Functions().Select(f => f.LogicalId).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in env)
        {
            if (key != "Parameters" && !functions.Contains(key))
            {
                yield return $"events/env.json: '{key}' is no function of template.yaml; sam local would ignore it.";
            }

            foreach (var (name, v) in value?.AsObject() ?? [])
            {
                if (v?.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    yield return $"events/env.json: {key}.{name} must be a string.";
                }
                else if (name == "OTP_SIGNING_KEY" && v.GetValue<string>() != "local-development-key-not-for-production-use-000000")
                {
                    yield return $"events/env.json: {key}.OTP_SIGNING_KEY must be the team's labelled development key.";
                }
            }
        }
    }

    private static Assembly? TryLoad(string name)
    {
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private IEnumerable<(string LogicalId, CfnNode Resource)> Functions() => _template.Resources(FunctionType);

    private static string? ProjectAt(CfnNode function)
    {
        var codeUri = function["Properties"]?["CodeUri"]?.Value;
        if (string.IsNullOrEmpty(codeUri))
        {
            return null;
        }

        var folder = RepositoryFiles.PathOf(codeUri.TrimEnd('/').Split('/'));
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var projects = Directory.GetFiles(folder, "*.csproj");
        return projects.Length == 1 ? projects[0] : null;
    }

    private static string AssemblyNameOf(string project) =>
        ProjectProperty(project, "AssemblyName") ?? Path.GetFileNameWithoutExtension(project);

    private static string? TargetFrameworkOf(string project) =>
        ProjectProperty(project, "TargetFramework")
        ?? ProjectProperty(RepositoryFiles.PathOf("Directory.Build.props"), "TargetFramework");

    private static string? ProjectProperty(string file, string name) =>
        File.Exists(file)
            ? XDocument.Load(file).Descendants(name).Select(e => e.Value.Trim()).LastOrDefault(v => v.Length > 0)
            : null;

    /// <summary>Names in src/ (the deployed code; not the local runner) passed as string literals: the OTP_* and AWS_ENDPOINT_URL* variables.</summary>
    private static HashSet<string> VariablesTheCodeReads()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var local = RepositoryFiles.PathOf("src", "OtpService.Local") + Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(RepositoryFiles.PathOf("src"), "*.cs", SearchOption.AllDirectories))
        {
            var parts = file.Split(Path.DirectorySeparatorChar);
            if (file.StartsWith(local, StringComparison.Ordinal) || parts.Contains("bin") || parts.Contains("obj"))
            {
                continue;
            }

            foreach (Match m in VariableLiteral().Matches(File.ReadAllText(file)))
            {
                names.Add(m.Groups[1].Value);
            }
        }

        return names;
    }

    private static string Relative(string path) => Path.GetRelativePath(RepositoryFiles.Root, path).Replace('\\', '/');

    private static void AssertNone(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        Assert.True(list.Count == 0, string.Join(Environment.NewLine, list));
    }

    [GeneratedRegex("^dotnet([0-9]+)$")]
    private static partial Regex DotnetRuntime();

    [GeneratedRegex("\"(OTP_[A-Z0-9_]+|AWS_ENDPOINT_URL[A-Z0-9_]*)\"")]
    private static partial Regex VariableLiteral();

}
