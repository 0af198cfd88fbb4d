using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>What the runner reads from template.yaml at run time, on the real file and on small templates.</summary>
public sealed class SamTemplateTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void StreamMapping_IsTheTemplatesSendOtpEmailEvent()
    {
        var mapping = SamTemplate.Load(NoEnvironment).StreamMapping();

        Assert.Equal("SendOtpEmailFunction", mapping.FunctionLogicalId);
        Assert.Equal("SendOtpEmail", mapping.FunctionName);
        Assert.Equal((10, 5, 600), (mapping.BatchSize, mapping.MaximumRetryAttempts, mapping.MaximumRecordAgeInSeconds));
        Assert.True(mapping.ReportBatchItemFailures);
        Assert.True(mapping.BisectBatchOnFunctionError);
        Assert.Equal(1, mapping.Filter.Count);
        Assert.Equal("StreamFailureQueue", mapping.OnFailureDestination);
    }

    [Theory]
    [InlineData("SendOtpEmail", "SendOtpEmail")] // the executable form the templates use
    [InlineData("SendOtpEmail::SendOtpEmail.Function::FunctionHandler", "SendOtpEmail")] // the class-library form
    public void FunctionName_IsTheHandlersAssembly_InEitherHandlerForm(string handler, string expected)
    {
        var yaml = Template("BatchSize: 1").Replace("SendOtpEmail::SendOtpEmail.Function::FunctionHandler", handler, StringComparison.Ordinal);

        Assert.Equal(expected, SamTemplate.Parse(yaml, NoEnvironment).FunctionName("Sender"));
    }

    [Fact]
    public void StreamMapping_FollowsTheTemplate_NotACopyInCode()
    {
        var mapping = SamTemplate.Parse(Template("""
            BatchSize: 3
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName":["MODIFY"]}'
                - Pattern: '{"eventName":["REMOVE"]}'
            """), NoEnvironment).StreamMapping();

        Assert.Equal(3, mapping.BatchSize);
        Assert.Equal(-1, mapping.MaximumRetryAttempts);
        Assert.False(mapping.ReportBatchItemFailures);
        Assert.Equal(2, mapping.Filter.Count);
        Assert.True(mapping.Filter.Matches(System.Text.Json.JsonDocument.Parse("""{"eventName":"REMOVE"}""").RootElement));
        Assert.False(mapping.Filter.Matches(System.Text.Json.JsonDocument.Parse("""{"eventName":"INSERT"}""").RootElement));
    }

    [Fact]
    public void Cors_WithTheOriginVariableSet_GivesTheTemplatesHeaders()
    {
        var cors = SamTemplate.Load(Environment(("OTP_CORS_ALLOWED_ORIGIN", "https://app.example.com"))).Cors();

        Assert.Equal(new CorsSettings("https://app.example.com", "GET,POST,OPTIONS", "Content-Type", "600"), cors);
    }

    [Fact]
    public void Cors_WithoutAnOrigin_HasNoAllowOrigin_AsTheTemplatesConditionSays()
    {
        var cors = SamTemplate.Load(NoEnvironment).Cors();

        Assert.NotNull(cors);
        Assert.Null(cors.AllowOrigin);
        Assert.Equal("GET,POST,OPTIONS", cors.AllowMethods);
    }

    [Fact]
    public void Table_IsTheTemplatesDefinition_WithCoresKeyNames()
    {
        var table = SamTemplate.Load(NoEnvironment).Table();

        Assert.Equal([Core.Aws.OtpTable.Address, Core.Aws.OtpTable.ExpirationTime], table.KeyNames);
        Assert.Contains((Core.Aws.OtpTable.Address, "S"), table.Attributes);
        Assert.Equal("NEW_IMAGE", table.StreamViewType);
        Assert.Equal(Core.Aws.OtpTable.DeleteAfter, table.TimeToLiveAttribute);
    }

    [Fact]
    public void DeclaredVariables_AreGlobalsPlusTheFunctionsOwn()
    {
        var declared = SamTemplate.Load(NoEnvironment).DeclaredVariables();

        Assert.Contains("OTP_TABLE_NAME", declared["GenerateOtpFunction"]);
        Assert.DoesNotContain("OTP_SENDER_ADDRESS", declared["GenerateOtp"]);
        Assert.Contains("OTP_SENDER_ADDRESS", declared["SendOtpEmailFunction"]);
        Assert.DoesNotContain("AWS_ENDPOINT_URL_DYNAMODB", declared["SendOtpEmail"]);
        Assert.DoesNotContain("OTP_SIGNING_KEY", declared["VerifyOtp"]);
    }

    [Fact]
    public void Parameters_FollowTheVariableTheTemplateFeedsThemInto_ElseTheirDefault()
    {
        var template = SamTemplate.Parse("""
            Parameters:
              Origin:
                Type: String
                Default: ''
            Conditions:
              HasOrigin: !Not [!Equals [!Ref Origin, '']]
            Globals:
              Function:
                Environment:
                  Variables:
                    MY_ORIGIN: !Ref Origin
              Api:
                Cors:
                  AllowOrigin: !If [HasOrigin, !Sub "'${Origin}'", !Ref AWS::NoValue]
                  AllowMethods: "'GET'"
            Resources: {}
            """, Environment(("MY_ORIGIN", "https://x.example")));

        Assert.Equal("https://x.example", template.Cors()!.AllowOrigin);
    }

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static string Template(string eventProperties) => """
        Resources:
          Sender:
            Type: AWS::Serverless::Function
            Properties:
              Handler: SendOtpEmail::SendOtpEmail.Function::FunctionHandler
              Events:
                Stream:
                  Type: DynamoDB
                  Properties:
                    Stream: !GetAtt Table.StreamArn
                    StartingPosition: LATEST

        """ + string.Join('\n', eventProperties.Split('\n').Select(line => new string(' ', 12) + line));
}
