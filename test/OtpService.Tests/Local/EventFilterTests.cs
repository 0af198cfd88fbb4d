using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using OtpService.Local.Streams;
using OtpService.Local.Template;
using Xunit;

namespace OtpService.Tests.Local;

/// <summary>
/// Lambda event filtering, checked against the rules and examples of AWS's documentation
/// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html: the comparison
/// operator table, the Kinesis, numeric-range and multi-level DynamoDB examples) and against the
/// template's own pattern on the records the service really writes.
/// </summary>
public sealed class EventFilterTests
{
    // The documentation's operator table: (rule, matching event, non-matching event).
    [Theory]
    [InlineData("""{"UserID":[null]}""", """{"UserID":null}""", """{"UserID":"u1"}""")]
    [InlineData("""{"UserID":[null]}""", """{"UserID":null}""", """{}""")]
    [InlineData("""{"LastName":[""]}""", """{"LastName":""}""", """{"LastName":"Doe"}""")]
    [InlineData("""{"Name":["Alice"]}""", """{"Name":"Alice"}""", """{"Name":"alice"}""")]
    [InlineData("""{"Location":["New York"],"Day":["Monday"]}""", """{"Location":"New York","Day":"Monday"}""", """{"Location":"New York","Day":"Tuesday"}""")]
    [InlineData("""{"Location":["New York"],"Day":["Monday"]}""", """{"Location":"New York","Day":"Monday"}""", """{"Location":"New York"}""")]
    [InlineData("""{"PaymentType":["Credit","Debit"]}""", """{"PaymentType":"Debit"}""", """{"PaymentType":"Cash"}""")]
    [InlineData("""{"Weather":[{"anything-but":["Raining"]}]}""", """{"Weather":"Sunny"}""", """{"Weather":"Raining"}""")]
    [InlineData("""{"Weather":[{"anything-but":["Raining"]}]}""", """{"Weather":"Sunny"}""", """{}""")]
    [InlineData("""{"Price":[{"numeric":["=",100]}]}""", """{"Price":100.0}""", """{"Price":101}""")]
    [InlineData("""{"Price":[{"numeric":[">",10,"<=",20]}]}""", """{"Price":20}""", """{"Price":10}""")]
    [InlineData("""{"Price":[{"numeric":[">",10,"<=",20]}]}""", """{"Price":10.5}""", """{"Price":"15"}""")]
    [InlineData("""{"ProductName":[{"exists":true}]}""", """{"ProductName":"x"}""", """{"Other":"x"}""")]
    [InlineData("""{"ProductName":[{"exists":false}]}""", """{"Other":"x"}""", """{"ProductName":"x"}""")]
    [InlineData("""{"Region":[{"prefix":"us-"}]}""", """{"Region":"us-east-1"}""", """{"Region":"eu-west-1"}""")]
    [InlineData("""{"FileName":[{"suffix":".png"}]}""", """{"FileName":"a.png"}""", """{"FileName":"a.jpg"}""")]
    [InlineData("""{"Name":[{"equals-ignore-case":"alice"}]}""", """{"Name":"ALICE"}""", """{"Name":"bob"}""")]
    [InlineData("""{"Region":[{"anything-but":{"prefix":"us-"}}]}""", """{"Region":"eu-west-1"}""", """{"Region":"us-east-1"}""")]
    [InlineData("""{"Region":[{"prefix":{"equals-ignore-case":"US-"}}]}""", """{"Region":"us-east-1"}""", """{"Region":"eu-west-1"}""")]
    [InlineData("""{"Flag":[true]}""", """{"Flag":true}""", """{"Flag":"true"}""")]
    [InlineData("""{"$or":[{"a":["x"]},{"b":["y"]}]}""", """{"b":"y"}""", """{"a":"y","b":"x"}""")]
    [InlineData("""{"Tags":["red"]}""", """{"Tags":["blue","red"]}""", """{"Tags":["blue"]}""")]
    public void DocumentedRule_MatchesItsExample_AndNotTheCounterExample(string pattern, string matching, string notMatching)
    {
        var filter = new EventFilter([pattern]);

        Assert.True(filter.Matches(Json(matching)), $"{pattern} should match {matching}");
        Assert.False(filter.Matches(Json(notMatching)), $"{pattern} should not match {notMatching}");
    }

    [Fact]
    public void Numbers_CompareAsWritten_300IsNot300Point0()
    {
        // "For numbers, Lambda also uses string representation. For example, 300, 300.0, and 3.0e2 are not considered equal."
        var filter = new EventFilter(["""{"n":[300]}"""]);

        Assert.True(filter.Matches(Json("""{"n":300}""")));
        Assert.False(filter.Matches(Json("""{"n":300.0}""")));
        Assert.False(filter.Matches(Json("""{"n":3.0e2}""")));
    }

    [Fact]
    public void KinesisExample_PartitionKeyAndLocation_MustBothMatch()
    {
        var filter = new EventFilter(["""{ "partitionKey": [ "1" ], "data": { "Location": [ "Los Angeles" ] }}"""]);

        Assert.True(filter.Matches(Json("""{"partitionKey":"1","data":{"Location":"Los Angeles","City":"x"}}""")));
        Assert.False(filter.Matches(Json("""{"partitionKey":"2","data":{"Location":"Los Angeles"}}""")));
        Assert.False(filter.Matches(Json("""{"partitionKey":"1","data":{"Location":"Seattle"}}""")));
    }

    [Fact]
    public void TemperatureExample_NumericRange()
    {
        var filter = new EventFilter(["""{ "data": { "Temperature": [ {"numeric": [ ">", 50, "<=", 60 ] } ]}}"""]);

        Assert.True(filter.Matches(Json("""{"data":{"Temperature":60}}""")));
        Assert.False(filter.Matches(Json("""{"data":{"Temperature":50}}""")));
        Assert.False(filter.Matches(Json("""{"data":{"Temperature":61}}""")));
    }

    [Fact]
    public void MultiLevelDynamoDbExample_KeyIdN101()
    {
        var filter = new EventFilter(["""{ "dynamodb": { "Keys": { "Id": { "N": [ "101" ] } } } }"""]);
        const string record = """
            {"dynamodb":{"Keys":{"Id":{"N":"101"}},"NewImage":{"Message":{"S":"New item!"},"Id":{"N":"101"}},
             "SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"}}
            """;

        Assert.True(filter.Matches(Json(record)));
        Assert.False(filter.Matches(Json(record.Replace("\"101\"}}", "\"102\"}}", StringComparison.Ordinal))));
    }

    [Fact]
    public void ConsoleExample_AIsOneOrTwo()
    {
        var filter = new EventFilter(["""{ "a" : [ 1, 2 ] }"""]);

        Assert.True(filter.Matches(Json("""{"a":2}""")));
        Assert.False(filter.Matches(Json("""{"a":3}""")));
    }

    [Fact]
    public void Filters_AreOred_AndNoFilterPassesEverything()
    {
        var two = new EventFilter(["""{"a":["x"]}""", """{"b":["y"]}"""]);

        Assert.True(two.Matches(Json("""{"b":"y"}""")));
        Assert.False(two.Matches(Json("""{"c":"z"}""")));
        Assert.True(new EventFilter([]).Matches(Json("""{"c":"z"}""")));
    }

    [Theory]
    [InlineData("""not json""")]
    [InlineData("""["a"]""")]
    [InlineData("""{"a":"x"}""")]
    [InlineData("""{"a":[{"wildcard-ish":"x"}]}""")]
    [InlineData("""{"a":[{"numeric":[">","ten"]}]}""")]
    [InlineData("""{"a":[{"exists":"yes"}]}""")]
    [InlineData("""{"a":[{"prefix":"x","suffix":"y"}]}""")]
    public void PatternLambdaWouldRefuse_IsRefusedAtLoad(string pattern)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new EventFilter([pattern]));

        Assert.Contains(pattern, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The filter of template.yaml (read from the file, not copied) on the records the service writes.</summary>
    [Fact]
    public void TemplatesFilter_PassesOnlyInsertsOfCodeItems()
    {
        var mapping = SamTemplate.Load().StreamMapping();
        var records = new StreamRecordFactory("us-east-1", "otp_holder", ["email_id", "EXPIRATION_TIME"], TimeProvider.System);
        var code = new Dictionary<string, AttributeValue>
        {
            ["email_id"] = new() { S = "a@example.com" },
            ["EXPIRATION_TIME"] = new() { N = "1700000120" },
            ["NONCE"] = new() { B = new MemoryStream(new byte[16]) },
        };
        var address = new Dictionary<string, AttributeValue>
        {
            ["email_id"] = new() { S = "a@example.com" },
            ["EXPIRATION_TIME"] = new() { N = "9999999999" },
            ["VERSION"] = new() { N = "1" },
        };
        var mailed = new Dictionary<string, AttributeValue>(code) { ["MAILED_AT"] = new() { N = "1700000001" } };

        Assert.True(mapping.Filter.Matches(records.Insert(code)));
        Assert.False(mapping.Filter.Matches(records.Insert(address)), "the address record's INSERT must not reach the sender");
        Assert.False(mapping.Filter.Matches(records.Change(code, mailed)!), "a MODIFY must not reach the sender");
        Assert.False(mapping.Filter.Matches(records.Change(code, null)!), "a REMOVE must not reach the sender");
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
