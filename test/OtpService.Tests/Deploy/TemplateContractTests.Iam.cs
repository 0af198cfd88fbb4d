using System.Text.RegularExpressions;
using Xunit;
using OtpService.Local.Template;

namespace OtpService.Tests.Deploy;

/// <summary>
/// Least privilege: every function runs under its own role written out in the template (so
/// SAM attaches none of its AWS managed policies, which grant on Resource "*"), each role
/// grants only what its function needs, on this stack's own resources.
/// </summary>
public sealed partial class TemplateContractTests
{
    /// <summary>
    /// The only actions allowed on Resource "*": IAM offers no resource-level permission for
    /// them, so "*" is the narrowest grant that works (a narrower one silently grants nothing).
    /// </summary>
    private static readonly Dictionary<string, string> ActionsWithoutResourceLevelPermissions = new(StringComparer.Ordinal)
    {
        ["xray:PutTraceSegments"] = "X-Ray supports no resource-level permissions",
        ["xray:PutTelemetryRecords"] = "X-Ray supports no resource-level permissions",
        ["dynamodb:ListStreams"] = "ListStreams supports no resource-level permissions (it lists stream ARNs, never records)",
    };

    private static readonly string[] LogActions = ["logs:CreateLogStream", "logs:PutLogEvents"];
    private static readonly string[] TraceActions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

    /// <summary>What the stream event source mapping does with the function's role (Lambda checks it when the mapping is created).</summary>
    private static readonly string[] StreamReadActions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"];

    /// <summary>The token key secret (TokenSigningKeyStore SecretsManager): the only secret VerifyOtp may write (its first key).</summary>
    private const string TokenKeySecret = "!Ref TokenSigningKeySecret";

    /// <summary>The token key in use (the one OTP_TOKEN_SIGNING_KEY_ID names): the only key kms:Sign may name.</summary>
    private const string TokenKeyInUse = "!If [SignWithTokenKeyA, !GetAtt TokenSigningKeyA.Arn, !GetAtt TokenSigningKeyB.Arn]";

    /// <summary>The other published key during a rotation (OTP_TOKEN_ROTATION_KEY_ID): kms:GetPublicKey only.</summary>
    private const string TokenKeyBeingRotated = "!If [PublishBothTokenKeys, !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyB.Arn, !GetAtt TokenSigningKeyA.Arn], !Ref AWS::NoValue]";

    /// <summary>The secrets each function may read: the code key for both deriving functions, the subject key for VerifyOtp only.</summary>
    private static readonly Dictionary<string, string[]> ReadableSecrets = new(StringComparer.Ordinal)
    {
        ["GenerateOtpFunction"] = ["!Ref ClientKeySecret"],
        ["VerifyOtpFunction"] = ["!Ref SigningKeySecret", "!Ref ClientKeySecret", "!Ref SubjectKeySecret", TokenKeySecret],
        ["SendOtpEmailFunction"] = ["!Ref SigningKeySecret"],
    };

    /// <summary>Everything each function may do. A new need is a deliberate edit here and in template.yaml.</summary>
    private static readonly Dictionary<string, string[]> AllowedActions = new(StringComparer.Ordinal)
    {
        ["GenerateOtpFunction"] = [.. LogActions, .. TraceActions, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue"],
        ["VerifyOtpFunction"] =
        [
            .. LogActions, .. TraceActions, "dynamodb:Query", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue", "kms:Sign", "kms:GetPublicKey",
        ],
        ["SendOtpEmailFunction"] =
        [
            .. LogActions, .. TraceActions, .. StreamReadActions, "dynamodb:ListStreams",
            "dynamodb:GetItem", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue", "ses:SendEmail", "sqs:SendMessage",
        ],
    };

    [Fact]
    public void EveryFunction_HasItsOwnExplicitRole_SoSamAttachesNoManagedPolicies() =>
        AssertNone(RoleAssignmentProblems());

    [Fact]
    public void EveryIamStatement_GrantsOnlyWhatItsFunctionNeeds_OnThisStacksResources() =>
        AssertNone(IamProblems());

    [Fact]
    public void EveryFunction_LogsToItsOwnLogGroup_WithARetention() =>
        AssertNone(LogGroupProblems());

    /// <summary>Each function names a role of this template with Role: !GetAtt X.Arn, has no Policies, and shares its role with no other function.</summary>
    internal IEnumerable<string> RoleAssignmentProblems()
    {
        var users = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (id, function) in Functions())
        {
            if (_template.FunctionProperty(function, "Policies") is { } policies)
            {
                yield return $"{policies.Where}: {id} has Policies; SAM adds managed policies with Resource \"*\" for them. Put the statements in the function's own AWS::IAM::Role.";
            }

            var role = _template.FunctionProperty(function, "Role");
            if (role is null)
            {
                yield return $"{function.Where}: {id} has no Role, so SAM would create one with AWS managed policies on Resource \"*\" (AWSLambdaBasicExecutionRole, AWSXrayWriteOnlyAccess, AWSLambdaDynamoDBExecutionRole). Give it Role: !GetAtt <its AWS::IAM::Role>.Arn.";
                continue;
            }

            if (RoleIdOf(role) is not { } roleId)
            {
                yield return $"{role.Where}: {id} Role '{role.Describe()}' must be !GetAtt <an AWS::IAM::Role of this template>.Arn, so its policies are checked here.";
                continue;
            }

            if (!users.TryGetValue(roleId, out var list))
            {
                users[roleId] = list = [];
            }

            list.Add(id);
        }

        foreach (var (roleId, functions) in users.Where(u => u.Value.Count > 1))
        {
            yield return $"{_template.Resource(roleId)!.Where}: role {roleId} is shared by {string.Join(", ", functions)}; each function gets its own role (least privilege).";
        }
    }

    /// <summary>Every IAM resource in the template: roles trust Lambda only, attach no managed policy, and every statement passes <see cref="StatementProblems"/>.</summary>
    internal IEnumerable<string> IamProblems()
    {
        var functionOfRole = Functions()
            .Select(f => (f.LogicalId, RoleId: _template.FunctionProperty(f.Resource, "Role") is { } r ? RoleIdOf(r) : null))
            .Where(f => f.RoleId is not null)
            .GroupBy(f => f.RoleId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().LogicalId, StringComparer.Ordinal);

        foreach (var (id, resource) in _template.Root["Resources"]?.Entries ?? [])
        {
            var type = resource["Type"]?.Value ?? "";
            if (type == "AWS::IAM::Role")
            {
                foreach (var problem in RoleProblems(id, resource, functionOfRole.GetValueOrDefault(id)))
                {
                    yield return problem;
                }
            }
            else if (type.StartsWith("AWS::IAM::", StringComparison.Ordinal))
            {
                yield return $"{resource.Where}: {id} is an {type}; put statements inline in the function's AWS::IAM::Role (they then exist as soon as the role does, and this check sees them).";
            }
        }
    }

    /// <summary>Each function has FunctionName, and an AWS::Logs::LogGroup named /aws/lambda/&lt;FunctionName&gt; with a RetentionInDays.</summary>
    internal IEnumerable<string> LogGroupProblems()
    {
        foreach (var (id, function) in Functions())
        {
            if (function["Properties"]?["FunctionName"] is not { } name)
            {
                yield return $"{function.Where}: {id} has no FunctionName, so no log group of the template can carry the name Lambda writes to (/aws/lambda/<FunctionName>).";
                continue;
            }

            var logGroup = LogGroupOf(function);
            if (logGroup is null)
            {
                yield return $"{name.Where}: {id} writes to /aws/lambda/{Unwrapped(name)}, but no AWS::Logs::LogGroup of the template has that LogGroupName (Lambda would create one with no retention, and the role could not name it).";
                continue;
            }

            var group = _template.Resource(logGroup)!;
            if (group["Properties"]?["RetentionInDays"] is null)
            {
                yield return $"{group.Where}: {logGroup} has no RetentionInDays; logs would be kept forever.";
            }
        }
    }

    private IEnumerable<string> RoleProblems(string roleId, CfnNode role, string? functionId)
    {
        var p = role["Properties"];
        if (functionId is null)
        {
            yield return $"{role.Where}: role {roleId} is used by no function of this template.";
            yield break;
        }

        if (p is null)
        {
            yield return $"{role.Where}: role {roleId} has no Properties.";
            yield break;
        }

        var trust = p["AssumeRolePolicyDocument"]?["Statement"]?.Items ?? [];
        if (trust.Count != 1
            || trust[0]["Effect"]?.Value != "Allow"
            || trust[0]["Principal"]?.Entries is not [{ Key: "Service" } principal]
            || principal.Value.Value != "lambda.amazonaws.com"
            || trust[0]["Action"]?.Value != "sts:AssumeRole")
        {
            yield return $"{p["AssumeRolePolicyDocument"]?.Where ?? role.Where}: role {roleId} must trust exactly one principal, Service lambda.amazonaws.com, with sts:AssumeRole.";
        }

        if (p["ManagedPolicyArns"] is { } managed)
        {
            yield return $"{managed.Where}: role {roleId} attaches managed policies {managed.Describe()}; write the statements out inline.";
        }

        var grants = new List<(string Action, CfnNode Resource)>();
        foreach (var policy in p["Policies"]?.Items ?? [])
        {
            var statements = policy["PolicyDocument"]?["Statement"];
            if (statements is null)
            {
                yield return $"{policy.Where}: role {roleId} policy has no PolicyDocument.Statement.";
                continue;
            }

            foreach (var problem in StatementProblems(roleId, functionId, statements, grants))
            {
                yield return problem;
            }
        }

        var function = _template.Resource(functionId)!;
        var logGroup = LogGroupOf(function);
        var required = new List<(string Action, string Resource)>();
        if (logGroup is not null)
        {
            required.AddRange(LogActions.Select(a => (a, $"!GetAtt {logGroup}.Arn")));
        }

        if (_template.FunctionProperty(function, "Tracing")?.Value == "Active")
        {
            required.AddRange(TraceActions.Select(a => (a, "*")));
        }

        if (function["Properties"]?["Environment"]?["Variables"]?["OTP_TOKEN_SIGNING_KEY_SECRET_ARN"] is not null)
        {
            required.Add(("secretsmanager:GetSecretValue", TokenKeySecret));
            required.Add(("secretsmanager:PutSecretValue", TokenKeySecret));
        }

        if (function["Properties"]?["Environment"]?["Variables"]?["OTP_TOKEN_SIGNING_KEY_ID"] is not null)
        {
            required.Add(("kms:Sign", TokenKeyInUse));
            required.Add(("kms:GetPublicKey", TokenKeyInUse));
            required.Add(("kms:GetPublicKey", TokenKeyBeingRotated));
        }

        foreach (var ev in (function["Properties"]?["Events"]?.Entries ?? []).Where(e => e.Value["Type"]?.Value == "DynamoDB"))
        {
            var stream = ev.Value["Properties"]?["Stream"]?.Describe() ?? "";
            required.AddRange(StreamReadActions.Select(a => (a, stream)));
            required.Add(("dynamodb:ListStreams", "*"));
        }

        foreach (var (action, resource) in required)
        {
            if (!grants.Any(g => g.Action == action && g.Resource.Describe() == resource))
            {
                yield return $"{p["Policies"]?.Where ?? role.Where}: role {roleId} must allow {action} on '{resource}' for {functionId} (logs, traces or its stream event need it).";
            }
        }
    }

    /// <summary>
    /// Allow statements only: no NotAction/NotResource, no wildcard action, only actions
    /// <see cref="AllowedActions"/> gives the function, resources that are this stack's own,
    /// and "*" only for <see cref="ActionsWithoutResourceLevelPermissions"/>, in statements of
    /// nothing else. Collects every (action, resource) granted into <paramref name="grants"/>.
    /// </summary>
    private IEnumerable<string> StatementProblems(string roleId, string functionId, CfnNode statements, List<(string Action, CfnNode Resource)> grants)
    {
        var allowed = AllowedActions.GetValueOrDefault(functionId) ?? [];
        foreach (var statement in Unconditional(statements.Items))
        {
            if (statement["NotAction"] is not null || statement["NotResource"] is not null)
            {
                yield return $"{statement.Where}: role {roleId} uses NotAction/NotResource, which grant everything else.";
                continue;
            }

            if (statement["Effect"]?.Value != "Allow")
            {
                continue;
            }

            var actions = statement["Action"] is { Kind: CfnNodeKind.Sequence } list ? list.Items : statement["Action"] is { } one ? [one] : [];
            var resources = statement["Resource"] is { Kind: CfnNodeKind.Sequence } rl ? rl.Items : statement["Resource"] is { } r ? [r] : [];
            if (actions.Count == 0 || resources.Count == 0)
            {
                yield return $"{statement.Where}: role {roleId} statement needs Action and Resource.";
                continue;
            }

            var names = actions.Select(a => a.Value ?? a.Describe()).ToList();
            foreach (var (action, text) in actions.Zip(names))
            {
                if (text.Contains('*', StringComparison.Ordinal))
                {
                    yield return $"{action.Where}: role {roleId} allows wildcard action '{text}'.";
                }
                else if (!allowed.Contains(text, StringComparer.Ordinal))
                {
                    yield return $"{action.Where}: role {roleId} allows {text}, which {functionId} does not need (it may: {string.Join(", ", allowed)}).";
                }
            }

            foreach (var resource in resources)
            {
                if (resource.IsScalar("*"))
                {
                    var scoped = names.Where(n => !ActionsWithoutResourceLevelPermissions.ContainsKey(n)).ToList();
                    if (scoped.Count > 0)
                    {
                        yield return $"{resource.Where}: role {roleId} allows {string.Join(", ", scoped)} on Resource \"*\"; \"*\" is allowed only for {string.Join(", ", ActionsWithoutResourceLevelPermissions.Keys)}, alone in their statement.";
                    }
                }
                else
                {
                    foreach (var text in names)
                    {
                        if (ActionsWithoutResourceLevelPermissions.TryGetValue(text, out var why))
                        {
                            yield return $"{resource.Where}: role {roleId} allows {text} on '{resource.Describe()}', but {why}: only Resource \"*\" grants it.";
                        }
                        else if (!text.Contains('*', StringComparison.Ordinal) && !IsOwnResourceOf(functionId, text, resource))
                        {
                            yield return $"{resource.Where}: role {roleId} allows {text} on '{resource.Describe()}', which is not {functionId}'s {OwnResourceName(text.Split(':')[0])}.";
                        }
                        else if (text.StartsWith("ses:", StringComparison.Ordinal) && FromAddressConditionProblem(statement) is { } problem)
                        {
                            yield return $"{statement["Condition"]?.Where ?? statement.Where}: role {roleId} allows {text} on '{resource.Describe()}' {problem}";
                        }
                    }
                }

                grants.AddRange(names.Select(n => (n, resource)));
            }
        }
    }

    /// <summary>
    /// The statements as IAM may see them: a statement under <c>!If [condition, statement, !Ref AWS::NoValue]</c>
    /// (one store's grants, TokenSigningKeyStore) is checked as if its condition held, each branch that is a statement.
    /// </summary>
    private static IEnumerable<CfnNode> Unconditional(IEnumerable<CfnNode> statements)
    {
        foreach (var statement in statements)
        {
            if (statement.Intrinsic is ("Fn::If", { Items: [_, var then, var otherwise] }))
            {
                foreach (var branch in Unconditional([then, otherwise]).Where(b => b.Describe() != "!Ref AWS::NoValue"))
                {
                    yield return branch;
                }
            }
            else
            {
                yield return statement;
            }
        }
    }

    private bool IsOwnResourceOf(string functionId, string action, CfnNode resource)
    {
        var text = resource.Describe();
        if (action == "secretsmanager:PutSecretValue")
        {
            // Writing a key: the token key secret's first version only; the HMAC secrets are generated by Secrets Manager.
            return text == TokenKeySecret;
        }

        return action.Split(':')[0] switch
        {
            "dynamodb" => StreamReadActions.Contains(action, StringComparer.Ordinal)
                ? text == "!GetAtt OtpTable.StreamArn"
                : text == "!GetAtt OtpTable.Arn",
            "secretsmanager" => ReadableSecrets.GetValueOrDefault(functionId)?.Contains(text, StringComparer.Ordinal) == true,
            "kms" => action == "kms:Sign" ? text == TokenKeyInUse : text is TokenKeyInUse or TokenKeyBeingRotated,
            "sqs" => text == "!GetAtt StreamFailureQueue.Arn",
            "ses" => IsSesIdentity(resource),
            "logs" => _template.Resource(functionId) is { } f && LogGroupOf(f) is { } group && text == $"!GetAtt {group}.Arn",
            _ => false,
        };
    }

    private static string OwnResourceName(string service) => service switch
    {
        "dynamodb" => "table (items) or its stream (stream reads)",
        "secretsmanager" => "secret (the code key for SendOtpEmail and VerifyOtp; the client key for GenerateOtp and VerifyOtp; the subject key for VerifyOtp)",
        "kms" => "token key in use (kms:Sign) or a published token key (kms:GetPublicKey)",
        "sqs" => "failure queue",
        "ses" => "SES identities (arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*, limited by ses:FromAddress)",
        "logs" => "own log group (!GetAtt <its AWS::Logs::LogGroup>.Arn)",
        _ => $"resource (no {service} actions are expected)",
    };

    /// <summary>
    /// The account's SES identities in the stack's region, <c>identity/*</c>: SES checks SendEmail
    /// against the sender's identity and, in the sandbox, each recipient's, so no narrower ARN
    /// works everywhere; <see cref="FromAddressConditionProblem"/> then pins the From address.
    /// </summary>
    private static bool IsSesIdentity(CfnNode resource) =>
        resource.Intrinsic is { Name: "Fn::Sub" } sub
        && sub.Argument.Value is { } s
        && SesIdentityArn().IsMatch(s);

    /// <summary>
    /// Null when the statement has exactly <c>Condition: {StringEquals: {ses:FromAddress: !Ref SenderAddress}}</c>
    /// (https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html), else what is wrong.
    /// Without it, <c>identity/*</c> would let the function send as any identity of the account.
    /// </summary>
    private static string? FromAddressConditionProblem(CfnNode statement)
    {
        const string Expected = "Condition: {StringEquals: {ses:FromAddress: !Ref SenderAddress}}";
        if (statement["Condition"] is not { } condition)
        {
            return $"without {Expected}: it could send as any identity of the account.";
        }

        if (condition.Entries is not [{ Key: "StringEquals", Value: var equals }] || equals.Entries is not [{ Key: "ses:FromAddress", Value: var from }])
        {
            return $"with Condition '{condition.Describe()}'; it must be exactly {Expected} (no other operator or key, no wildcard match).";
        }

        return from.Describe() == "!Ref SenderAddress"
            ? null
            : $"with ses:FromAddress '{from.Describe()}'; it must be the configured sender, !Ref SenderAddress.";
    }

    /// <summary>The logical ID X of Role: !GetAtt X.Arn when X is an AWS::IAM::Role of the template.</summary>
    private string? RoleIdOf(CfnNode role) =>
        role.Intrinsic is { Name: "Fn::GetAtt" } getAtt
        && getAtt.Argument.Items is [{ Value: { } id }, { Value: "Arn" }]
        && _template.Resource(id)?["Type"]?.Value == "AWS::IAM::Role"
            ? id
            : null;

    /// <summary>The logical ID of the AWS::Logs::LogGroup named /aws/lambda/&lt;the function's FunctionName&gt;, if any.</summary>
    private string? LogGroupOf(CfnNode function)
    {
        if (function["Properties"]?["FunctionName"] is not { } name)
        {
            return null;
        }

        var expected = (Kind: name.Intrinsic?.Name ?? "", Text: "/aws/lambda/" + Unwrapped(name));
        return _template.Resources("AWS::Logs::LogGroup")
            .Where(g => g.Resource["Properties"]?["LogGroupName"] is { } n && (n.Intrinsic?.Name ?? "") == expected.Kind && Unwrapped(n) == expected.Text)
            .Select(g => g.LogicalId)
            .FirstOrDefault();
    }

    /// <summary>A plain string, or the template string of a !Sub.</summary>
    private static string Unwrapped(CfnNode node) =>
        node.Intrinsic is { Name: "Fn::Sub" } sub ? sub.Argument.Value ?? sub.Argument.Describe() : node.Value ?? node.Describe();

    [GeneratedRegex(@"^arn:\$\{AWS::Partition\}:ses:\$\{AWS::Region\}:\$\{AWS::AccountId\}:identity/\*$")]
    private static partial Regex SesIdentityArn();
}
