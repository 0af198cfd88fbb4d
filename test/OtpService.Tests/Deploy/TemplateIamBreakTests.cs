using System.Globalization;
using Xunit;
using OtpService.Local.Template;

namespace OtpService.Tests.Deploy;

/// <summary>
/// The least-privilege checks seen failing: each case breaks template.yaml in memory in one
/// way and expects a problem that names the broken line and says what is wrong.
/// </summary>
public sealed class TemplateIamBreakTests
{
    private static readonly string Yaml = File.ReadAllText(RepositoryFiles.PathOf("template.yaml"));

    public static TheoryData<string, string, string, string, string> Breaks() => new()
    {
        {
            "function without Role",
            "      Role: !GetAtt GenerateOtpRole.Arn\n", "",
            "  GenerateOtpFunction:\n    Type", "GenerateOtpFunction has no Role, so SAM would create one with AWS managed policies"
        },
        {
            "Policies next to Role",
            "      Role: !GetAtt VerifyOtpRole.Arn\n", "      Role: !GetAtt VerifyOtpRole.Arn\n      Policies:\n        - AWSLambdaBasicExecutionRole\n",
            "      Policies:\n        - AWSLambda", "VerifyOtpFunction has Policies"
        },
        {
            "Role is an ARN string",
            "      Role: !GetAtt VerifyOtpRole.Arn\n", "      Role: arn:aws:iam::123456789012:role/admin\n",
            "      Role: arn:aws", "must be !GetAtt <an AWS::IAM::Role of this template>.Arn"
        },
        {
            "two functions share a role",
            "      Role: !GetAtt VerifyOtpRole.Arn\n", "      Role: !GetAtt GenerateOtpRole.Arn\n",
            "  GenerateOtpRole:\n    Type", "role GenerateOtpRole is shared by GenerateOtpFunction, VerifyOtpFunction"
        },
        {
            "managed policy on a role",
            "      Description: GenerateOtpFunction's execution role.\n",
            "      Description: GenerateOtpFunction's execution role.\n      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n",
            "      ManagedPolicyArns:\n        - arn", "role GenerateOtpRole attaches managed policies"
        },
        {
            "role trusts another service",
            "              Service: lambda.amazonaws.com\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: GenerateOtp\n",
            "              Service: ec2.amazonaws.com\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: GenerateOtp\n",
            "  GenerateOtpRole:\n    Type: AWS::IAM::Role\n    Properties:\n      Description: GenerateOtpFunction's execution role.\n      AssumeRolePolicyDocument:\n        Version",
            "must trust exactly one principal, Service lambda.amazonaws.com"
        },
        {
            "table action on Resource *",
            "                  - dynamodb:PutItem\n                  - dynamodb:UpdateItem\n                Resource: !GetAtt OtpTable.Arn\n",
            "                  - dynamodb:PutItem\n                  - dynamodb:UpdateItem\n                Resource: '*'\n",
            "                  - dynamodb:UpdateItem\n                Resource: '*'", "allows dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem on Resource \"*\""
        },
        {
            "wildcard action",
            "                  - dynamodb:PutItem\n", "                  - dynamodb:*\n",
            "                  - dynamodb:*", "allows wildcard action 'dynamodb:*'"
        },
        {
            "action the function does not need",
            "                  - dynamodb:PutItem\n", "                  - dynamodb:PutItem\n                  - dynamodb:DeleteItem\n",
            "                  - dynamodb:DeleteItem", "allows dynamodb:DeleteItem, which GenerateOtpFunction does not need"
        },
        {
            "ListStreams scoped to the stream (grants nothing)",
            "                  - dynamodb:ListStreams\n                Resource: '*'\n",
            "                  - dynamodb:ListStreams\n                Resource: !GetAtt OtpTable.StreamArn\n",
            "                  - dynamodb:ListStreams\n                Resource: !GetAtt", "only Resource \"*\" grants it"
        },
        {
            "stream reads on the table instead of its stream",
            "                  - dynamodb:GetShardIterator\n                Resource: !GetAtt OtpTable.StreamArn\n",
            "                  - dynamodb:GetShardIterator\n                Resource: !GetAtt OtpTable.Arn\n",
            "                  - dynamodb:GetShardIterator\n                Resource: !GetAtt", "allows dynamodb:GetRecords on '!GetAtt OtpTable.Arn'"
        },
        {
            "sender role without stream reads",
            "              - Sid: ReadOtpTableStream\n                Effect: Allow\n                Action:\n                  - dynamodb:DescribeStream\n                  - dynamodb:GetRecords\n                  - dynamodb:GetShardIterator\n                Resource: !GetAtt OtpTable.StreamArn\n",
            "",
            "      Policies:\n        - PolicyName: SendOtpEmail", "role SendOtpEmailRole must allow dynamodb:GetRecords on '!GetAtt OtpTable.StreamArn'"
        },
        {
            "logs on another function's log group",
            "                Resource: !GetAtt GenerateOtpLogGroup.Arn\n", "                Resource: !GetAtt VerifyOtpLogGroup.Arn\n",
            "                Resource: !GetAtt VerifyOtpLogGroup.Arn",
            "allows logs:CreateLogStream on '!GetAtt VerifyOtpLogGroup.Arn', which is not GenerateOtpFunction's own log group"
        },
        {
            "no X-Ray statement while Tracing is Active",
            "              - Sid: WriteTracesXRayHasNoResourceLevelPermissions\n                Effect: Allow\n                Action:\n                  - xray:PutTraceSegments\n                  - xray:PutTelemetryRecords\n                Resource: '*'\n              # Query: the address record and the newest code; UpdateItem: it and the limiter windows.\n              - Sid: OtpTableVerify\n",
            "              - Sid: OtpTableVerify\n",
            "      Policies:\n        - PolicyName: VerifyOtp", "role VerifyOtpRole must allow xray:PutTraceSegments on '*'"
        },
        {
            "stand-alone IAM policy",
            "  # Build: `sam build` runs",
            "  ExtraPolicy:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: extra\n      Roles: [!Ref GenerateOtpRole]\n      PolicyDocument: {Version: '2012-10-17', Statement: []}\n\n  # Build: `sam build` runs",
            "  ExtraPolicy:\n    Type", "ExtraPolicy is an AWS::IAM::Policy"
        },
        {
            "log group without retention",
            "      LogGroupName: !Sub '/aws/lambda/${AWS::StackName}-VerifyOtp'\n      RetentionInDays: !Ref LogRetentionInDays\n",
            "      LogGroupName: !Sub '/aws/lambda/${AWS::StackName}-VerifyOtp'\n",
            "  VerifyOtpLogGroup:\n    Type", "VerifyOtpLogGroup has no RetentionInDays"
        },
        {
            "log group name that is not the function's",
            "      LogGroupName: !Sub '/aws/lambda/${AWS::StackName}-SendOtpEmail'\n", "      LogGroupName: !Sub '/aws/lambda/${AWS::StackName}-Sender'\n",
            "      FunctionName: !Sub '${AWS::StackName}-SendOtpEmail'", "SendOtpEmailFunction writes to /aws/lambda/${AWS::StackName}-SendOtpEmail, but no AWS::Logs::LogGroup"
        },
        {
            "SES send without the FromAddress condition",
            "                Condition:\n                  StringEquals:\n                    ses:FromAddress: !Ref SenderAddress\n", "",
            "              - Sid: SendFromTheConfiguredSenderOnly", "without Condition: {StringEquals: {ses:FromAddress: !Ref SenderAddress}}: it could send as any identity"
        },
        {
            "SES FromAddress matched with a wildcard operator",
            "                  StringEquals:\n                    ses:FromAddress: !Ref SenderAddress\n",
            "                  StringLike:\n                    ses:FromAddress: '*'\n",
            "                  StringLike:", "it must be exactly Condition: {StringEquals: {ses:FromAddress: !Ref SenderAddress}}"
        },
        {
            "SES FromAddress condition naming another address",
            "                    ses:FromAddress: !Ref SenderAddress\n", "                    ses:FromAddress: admin@corp.example\n",
            "                  StringEquals:", "with ses:FromAddress 'admin@corp.example'; it must be the configured sender"
        },
        {
            "SES send on Resource * (even with the condition)",
            "                  - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*'\n", "                  - '*'\n",
            "                  - '*'", "allows ses:SendEmail on Resource \"*\""
        },
        {
            "SES send on every configuration set of the account",
            "configuration-set/${MailConfigurationSet}'\n", "configuration-set/*'\n",
            "                  - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/*'",
            "which is not SendOtpEmailFunction's SES identities"
        },
        {
            "SES wildcard action",
            "                  - ses:SendEmail\n", "                  - ses:*\n",
            "                  - ses:*", "allows wildcard action 'ses:*'"
        },
        {
            "SES scoped to the sender's identity alone (denied in the sandbox)",
            "identity/*'\n", "identity/${SenderAddress}'\n",
            "                  - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderAddress}'",
            "which is not SendOtpEmailFunction's SES identities"
        },
        {
            "kms:Sign on Resource *",
            "                    - kms:Sign\n                  Resource: !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyA.Arn, !GetAtt TokenSigningKeyB.Arn]\n",
            "                    - kms:Sign\n                  Resource: '*'\n",
            "                    - kms:Sign\n                  Resource: '*'", "allows kms:Sign on Resource \"*\""
        },
        {
            "kms:Sign on the key being rotated (the previous or next key)",
            "                    - kms:Sign\n                  Resource: !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyA.Arn, !GetAtt TokenSigningKeyB.Arn]\n",
            "                    - kms:Sign\n                  Resource: !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyB.Arn, !GetAtt TokenSigningKeyA.Arn]\n",
            "                    - kms:Sign\n                  Resource: !If", "allows kms:Sign on '!If [SignWithTokenKeyA, !GetAtt TokenSigningKeyB.Arn, !GetAtt TokenSigningKeyA.Arn]', which is not VerifyOtpFunction's token key in use"
        },
        {
            "kms:Sign on a key of another stack",
            "                    - kms:Sign\n                  Resource: !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyA.Arn, !GetAtt TokenSigningKeyB.Arn]\n",
            "                    - kms:Sign\n                  Resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n",
            "                    - kms:Sign\n                  Resource: arn", "allows kms:Sign on 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'"
        },
        {
            "no GetPublicKey for the JWKS",
            "                - Sid: PublishTokenKeys\n                  Effect: Allow\n                  Action:\n                    - kms:GetPublicKey\n",
            "                - Sid: PublishTokenKeys\n                  Effect: Allow\n                  Action:\n                    - kms:Sign\n",
            "      Policies:\n        - PolicyName: VerifyOtp", "role VerifyOtpRole must allow kms:GetPublicKey on '!If [SignWithTokenKeyA"
        },
        {
            "PutSecretValue on the code key (only the token key's first version is ever written)",
            "                    - secretsmanager:PutSecretValue\n                  Resource: !Ref TokenSigningKeySecret\n",
            "                    - secretsmanager:PutSecretValue\n                  Resource: !Ref SigningKeySecret\n",
            "                    - secretsmanager:PutSecretValue\n                  Resource: !Ref SigningKeySecret", "allows secretsmanager:PutSecretValue on '!Ref SigningKeySecret'"
        },
        {
            "no PutSecretValue for the token key's first version",
            "                    - secretsmanager:GetSecretValue\n                    - secretsmanager:PutSecretValue\n",
            "                    - secretsmanager:GetSecretValue\n",
            "      Policies:\n        - PolicyName: VerifyOtp", "role VerifyOtpRole must allow secretsmanager:PutSecretValue on '!Ref TokenSigningKeySecret'"
        },
        {
            "a function that issues no tokens may not sign",
            "                  - dynamodb:PutItem\n                  - dynamodb:UpdateItem\n                Resource: !GetAtt OtpTable.Arn\n",
            "                  - dynamodb:PutItem\n                  - dynamodb:UpdateItem\n                Resource: !GetAtt OtpTable.Arn\n              - Sid: Sign\n                Effect: Allow\n                Action:\n                  - kms:Sign\n                Resource: !If [SignWithTokenKeyA, !GetAtt TokenSigningKeyA.Arn, !GetAtt TokenSigningKeyB.Arn]\n",
            "              - Sid: Sign\n                Effect: Allow\n                Action:\n                  - kms:Sign", "allows kms:Sign, which GenerateOtpFunction does not need"
        },
        {
            "the sender reading the subject key",
            "                Resource: !Ref SigningKeySecret\n              # SES authorizes SendEmail",
            "                Resource: !Ref SubjectKeySecret\n              # SES authorizes SendEmail",
            "              - Sid: ReadSigningKey\n                Effect: Allow\n                Action:\n                  - secretsmanager:GetSecretValue\n                Resource: !Ref SubjectKeySecret", "allows secretsmanager:GetSecretValue on '!Ref SubjectKeySecret', which is not SendOtpEmailFunction's secret"
        },
        {
            "function without FunctionName",
            "      FunctionName: !Sub '${AWS::StackName}-GenerateOtp'\n", "",
            "  GenerateOtpFunction:\n    Type", "GenerateOtpFunction has no FunctionName"
        },
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public void BrokenTemplate_IsReported_AtTheBrokenLine(string name, string find, string replace, string lineMarker, string expected)
    {
        var at = Yaml.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0 && Yaml.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"{name}: the text to break must occur once in template.yaml: {find}");
        var broken = string.Concat(Yaml.AsSpan(0, at), replace, Yaml.AsSpan(at + find.Length));
        var markerAt = broken.IndexOf(lineMarker, StringComparison.Ordinal);
        Assert.True(markerAt >= 0, $"{name}: marker not found: {lineMarker}");
        // The problem names the line where the marker's last line is.
        var line = broken.AsSpan(0, markerAt + lineMarker.LastIndexOf('\n') + 1).Count('\n') + 1;
        var where = $"template.yaml line {line.ToString(CultureInfo.InvariantCulture)}:";

        var checks = new TemplateContractTests(CfnTemplate.Parse(broken));
        var problems = checks.RoleAssignmentProblems().Concat(checks.IamProblems()).Concat(checks.LogGroupProblems()).ToList();

        Assert.True(
            problems.Any(p => p.StartsWith(where, StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal)),
            $"{name}: expected a problem at {where} containing \"{expected}\"; got:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    [Fact]
    public void UnbrokenTemplate_HasNoIamProblems()
    {
        var checks = new TemplateContractTests(CfnTemplate.Parse(Yaml));
        Assert.Empty(checks.RoleAssignmentProblems().Concat(checks.IamProblems()).Concat(checks.LogGroupProblems()));
    }
}
