using System.Text.Json;
using System.Text.Json.Nodes;
using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>Our contract types read AWS's own published sample events (Fixtures/aws-events, sources in its README).</summary>
public sealed class AwsSampleEventContractTests
{
    private static T Read<T>(string file, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "aws-events", file));
        return JsonSerializer.Deserialize(stream, type) ?? throw new InvalidOperationException($"{file} read as null.");
    }

    [Fact]
    public void RestProxyEvent_FromAws_ReadsMethodPathQueryCallerAndRequestId()
    {
        var e = Read("apigateway-rest-proxy-event.json", LambdaJsonContext.Default.ApiGatewayRequest);

        Assert.False(e.IsHttpApiV2);
        Assert.Equal("POST", e.HttpMethod);
        Assert.Equal("/hello/world", e.Path);
        Assert.Equal("/{proxy+}", e.Resource);
        Assert.Equal("me", e.QueryStringParameters!["name"]);
        Assert.Equal("hello/world", e.PathParameters!["proxy"]);
        Assert.Equal("gy415nuibc.execute-api.us-east-1.amazonaws.com", e.Headers!["Host"]);
        Assert.Equal("{\r\n\t\"a\": 1\r\n}", e.Body);
        Assert.False(e.IsBase64Encoded);
        var context = e.RequestContext!;
        Assert.Equal("192.168.196.186", context.Identity!.SourceIp);
        Assert.Equal("PostmanRuntime/2.4.5", context.Identity.UserAgent);
        Assert.Equal("deef4878-7910-11e6-8f14-25afc3e9ae33", context.RequestId);
        Assert.Equal("testStage", context.Stage);
        Assert.Equal("gy415nuibc", context.ApiId);
        Assert.Equal("/{proxy+}", context.ResourcePath);
        Assert.Equal(1519166937665, context.RequestTimeEpoch);
    }

    [Fact]
    public void PayloadV1_FromApiGatewayDocs_ReadsMultiValueFieldsAndNulls()
    {
        var e = Read("apigateway-payload-v1.json", LambdaJsonContext.Default.ApiGatewayRequest);

        Assert.False(e.IsHttpApiV2);
        Assert.Equal("GET", e.HttpMethod);
        Assert.Equal("/my/path", e.Path);
        Assert.Equal(["value1", "value2"], e.MultiValueQueryStringParameters!["parameter1"]!);
        Assert.Equal("value1", e.QueryStringParameters!["parameter1"]);
        Assert.Equal(["value1", "value2"], e.MultiValueHeaders!["Header2"]!);
        Assert.Null(e.PathParameters);
        Assert.Null(e.StageVariables);
        Assert.Equal("IP", e.RequestContext!.Identity!.SourceIp);
        Assert.Equal("id=", e.RequestContext.RequestId);
        Assert.Equal("GET", e.RequestContext.HttpMethod);
        Assert.Equal("$default", e.RequestContext.Stage);
        Assert.Equal(1583349317135, e.RequestContext.RequestTimeEpoch);
    }

    [Fact]
    public void PayloadV2_FromApiGatewayDocs_IsDetectedAsHttpApiAndReadsTheRequestLine()
    {
        var e = Read("apigateway-payload-v2.json", LambdaJsonContext.Default.ApiGatewayRequest);

        Assert.True(e.IsHttpApiV2);
        Assert.Null(e.HttpMethod);
        Assert.Equal("/my/path", e.RawPath);
        Assert.Equal("parameter1=value1&parameter1=value2&parameter2=value", e.RawQueryString);
        Assert.Equal("value1,value2", e.QueryStringParameters!["parameter1"]);
        Assert.Equal(["cookie1", "cookie2"], e.Cookies!);
        Assert.Equal("POST", e.RequestContext!.Http!.Method);
        Assert.Equal("/my/path", e.RequestContext.Http.Path);
        Assert.Equal("IP", e.RequestContext.Http.SourceIp);
        Assert.Equal("id", e.RequestContext.RequestId);
        Assert.Equal(1583348638390, e.RequestContext.TimeEpoch);
        Assert.Null(e.RequestContext.Identity);
    }

    [Fact]
    public void StreamEvent_FromSamGenerateEvent_ReadsInsertModifyAndRemove()
    {
        var e = Read("dynamodb-streams-sam-generate-event.json", LambdaJsonContext.Default.DynamoDbStreamEvent);

        Assert.Equal(["INSERT", "MODIFY", "REMOVE"], e.Records!.Select(r => r.EventName));
        var insert = e.Records![0];
        Assert.Equal("c4ca4238a0b923820dcc509a6f75849b", insert.EventId);
        Assert.Equal("1.1", insert.EventVersion);
        Assert.Equal("aws:dynamodb", insert.EventSource);
        Assert.Equal("us-east-1", insert.AwsRegion);
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899", insert.EventSourceArn);
        Assert.Equal("101", insert.Dynamodb!.Keys!["Id"].N);
        Assert.Equal("New item!", insert.Dynamodb.NewImage!["Message"].S);
        Assert.Null(insert.Dynamodb.OldImage);
        Assert.Equal("4421584500000000017450439091", insert.Dynamodb.SequenceNumber);
        Assert.Equal(26, insert.Dynamodb.SizeBytes);
        Assert.Equal(1428537600, insert.Dynamodb.ApproximateCreationDateTime);
        Assert.Equal("NEW_AND_OLD_IMAGES", insert.Dynamodb.StreamViewType);
        Assert.Equal("New item!", e.Records[1].Dynamodb!.OldImage!["Message"].S);
        Assert.Null(e.Records[2].Dynamodb!.NewImage);
    }

    [Fact]
    public void StreamEvent_FromAwsLambdaDotnet_DecodesBinaryAndNestedAttributeValues()
    {
        var e = Read("dynamodb-streams-lambda-dotnet-event.json", LambdaJsonContext.Default.DynamoDbStreamEvent);

        var image = e.Records![0].Dynamodb!.NewImage!;
        Assert.Equal(new byte[] { 0x00, 0x01, 0x2A, 0x41 }, image["asdf1"].B);
        var map = image["misc2"].M!;
        Assert.False(map["ItemBoolean"].Bool);
        Assert.True(map["ItemNull"].Null);
        Assert.Equal(["0", "50", "150"], map["ItemNumberSet"].NS!);
        Assert.Equal(["Hippo", "Zebra"], map["ItemStringSet"].SS!);
        Assert.Equal("3.14159", map["ItemsNonEmpty"].L![2].N);
        Assert.Empty(image["misc1"].L!);
        Assert.Equal("1405400000000002063282832", e.Records[0].Dynamodb!.SequenceNumber);
        // BS (binary set) is not modelled (no item of ours has one): it reads as an empty value, not an error.
        Assert.Null(image["asdf2"].B);
        Assert.Equal("OLD_IMAGE", e.Records[1].Dynamodb!.StreamViewType);
    }

    [Fact]
    public void StreamBatchResponse_SerializesExactlyLikeAwsSample()
    {
        var response = new StreamBatchResponse { BatchItemFailures = [new BatchItemFailure { ItemIdentifier = "1405400000000002063282832" }] };

        var ours = JsonNode.Parse(JsonSerializer.Serialize(response, LambdaJsonContext.Default.StreamBatchResponse));
        var aws = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "aws-events", "dynamodb-batchitemfailures-response.json")));

        Assert.True(JsonNode.DeepEquals(aws, ours), ours!.ToJsonString());
    }

    [Fact]
    public void StreamBatchResponse_WithNoFailures_IsAnEmptyList()
    {
        var json = JsonSerializer.Serialize(new StreamBatchResponse(), LambdaJsonContext.Default.StreamBatchResponse);

        Assert.Equal("""{"batchItemFailures":[]}""", json);
    }

    [Fact]
    public void ApiGatewayResponse_SerializesWithAwsProxyPropertyNames()
    {
        var response = new ApiGatewayResponse
        {
            StatusCode = 429,
            Headers = { ["Content-Type"] = "application/json", ["Retry-After"] = "30" },
            Body = """{"status":"rate_limited"}""",
        };

        var json = JsonNode.Parse(JsonSerializer.Serialize(response, LambdaJsonContext.Default.ApiGatewayResponse))!.AsObject();

        Assert.Equal(["statusCode", "headers", "body", "isBase64Encoded"], json.Select(p => p.Key));
        Assert.Equal(429, json["statusCode"]!.GetValue<int>());
        Assert.Equal("30", json["headers"]!["Retry-After"]!.GetValue<string>());
        Assert.Equal("""{"status":"rate_limited"}""", json["body"]!.GetValue<string>());
        Assert.False(json["isBase64Encoded"]!.GetValue<bool>());
    }
}
