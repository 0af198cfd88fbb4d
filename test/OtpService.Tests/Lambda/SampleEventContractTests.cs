using System.Text.Json;
using System.Text.Json.Nodes;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Deploy;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>Our events/ (for sam local invoke and the local runner) have AWS's shape and read as the handlers expect.</summary>
public sealed class SampleEventContractTests
{
    private static readonly string[] RestProxyFields =
    [
        "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body", "isBase64Encoded",
    ];

    private static readonly string[] RequestContextFields =
        ["accountId", "apiId", "requestId", "stage", "identity", "resourcePath", "httpMethod", "requestTimeEpoch", "path", "protocol"];

    private static string Text(string file) => File.ReadAllText(RepositoryFiles.PathOf("events", file));

    [Theory]
    [InlineData("generate-otp.json", "/otp/generate")]
    [InlineData("verify-otp.json", "/otp/verify")]
    public void ApiEvent_HasEveryFieldOfTheRestProxyShape(string file, string path)
    {
        var json = JsonNode.Parse(Text(file))!.AsObject();

        Assert.Equal(RestProxyFields.Order(StringComparer.Ordinal), json.Select(p => p.Key).Order(StringComparer.Ordinal));
        var context = json["requestContext"]!.AsObject();
        Assert.All(RequestContextFields, f => Assert.True(context.ContainsKey(f), $"{file}: requestContext.{f} missing"));
        Assert.Null(json["pathParameters"]);
        Assert.Null(json["stageVariables"]);
        Assert.Null(json["body"]);
        Assert.Equal(path, json["resource"]!.GetValue<string>());
        Assert.Equal($"/Prod{path}", context["path"]!.GetValue<string>());
    }

    [Fact]
    public void GenerateEvent_ReadsAsGetWithTheEmailAddress()
    {
        var e = JsonSerializer.Deserialize(Text("generate-otp.json"), LambdaJsonContext.Default.ApiGatewayRequest)!;

        Assert.False(e.IsHttpApiV2);
        Assert.Equal("GET", e.HttpMethod);
        Assert.Equal("/otp/generate", e.Path);
        Assert.Equal("user@example.com", e.QueryStringParameters!["email_address"]);
        Assert.Equal(["user@example.com"], e.MultiValueQueryStringParameters!["email_address"]!);
        Assert.Equal("203.0.113.10", e.RequestContext!.Identity!.SourceIp);
        Assert.Equal("Prod", e.RequestContext.Stage);
        Assert.False(string.IsNullOrEmpty(e.RequestContext.RequestId));
    }

    [Fact]
    public void VerifyEvent_ReadsAsGetWithAddressAndCode()
    {
        var e = JsonSerializer.Deserialize(Text("verify-otp.json"), LambdaJsonContext.Default.ApiGatewayRequest)!;

        Assert.Equal("GET", e.HttpMethod);
        Assert.Equal("/otp/verify", e.Path);
        Assert.Equal("user@example.com", e.QueryStringParameters!["email_address"]);
        Assert.Equal("123456", e.QueryStringParameters["otp"]);
    }

    [Fact]
    public void OtpInsertedEvent_IsOneInsertOfACodeItemWithASixteenByteNonce()
    {
        var e = JsonSerializer.Deserialize(Text("otp-inserted.json"), LambdaJsonContext.Default.DynamoDbStreamEvent)!;

        var record = Assert.Single(e.Records!);
        Assert.Equal("INSERT", record.EventName);
        Assert.Equal("1.1", record.EventVersion);
        Assert.Equal("aws:dynamodb", record.EventSource);
        Assert.StartsWith("arn:aws:dynamodb:us-east-1:123456789012:table/otp_holder/stream/", record.EventSourceArn, StringComparison.Ordinal);
        var data = record.Dynamodb!;
        Assert.Equal("NEW_IMAGE", data.StreamViewType);
        Assert.False(string.IsNullOrEmpty(data.SequenceNumber));
        Assert.Equal(["EXPIRATION_TIME", "email_id"], data.Keys!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(data.Keys["email_id"].S, data.NewImage!["email_id"].S);
        Assert.Equal(data.Keys["EXPIRATION_TIME"].N, data.NewImage["EXPIRATION_TIME"].N);
        Assert.Equal(CodeDerivation.NonceBytes, data.NewImage["NONCE"].B!.Length);
        var created = long.Parse(data.NewImage["CREATED_AT"].N!, System.Globalization.CultureInfo.InvariantCulture);
        var expires = long.Parse(data.NewImage["EXPIRATION_TIME"].N!, System.Globalization.CultureInfo.InvariantCulture);
        var deleteAfter = long.Parse(data.NewImage["DELETE_AFTER"].N!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(new OtpSettings().TtlSeconds, expires - created);
        Assert.True(deleteAfter > expires, "DELETE_AFTER must outlive the code");
        Assert.Equal("6", data.NewImage["DIGITS"].N);
    }
}
