using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using OtpService.Local.Emulators;
using OtpService.Local.Streams;
using OtpService.Tests.Support;

namespace OtpService.Benchmarks;

/// <summary>
/// How long the functions take to answer when a service hangs (a real socket that accepts and
/// never answers, <see cref="HangingEndpoint"/>), at the template's default timeouts, against the
/// budget they must answer within. Integration/HangingEndpointTests asserts what they answer;
/// this measures when.
/// </summary>
internal static class Deadlines
{
    /// <summary>Median ms from GenerateOtp's call to its 503 with DynamoDB hanging, at OTP_FUNCTION_TIMEOUT_SECONDS=10.</summary>
    public static async Task<(double Ms, double BudgetMs)> ApiAnswerMsAsync(IReadOnlyDictionary<string, string> environment, int runs)
    {
        UseCredentialsOf(environment);
        await using var hanging = new HangingEndpoint();
        var env = new Dictionary<string, string>(environment)
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = hanging.Url.ToString(),
            ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "10",
        };
        var generate = new GenerateOtp.Function(new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = TextWriter.Null });
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await using var answer = await generate.FunctionHandler(new MemoryStream(SampleEvents.Generate($"hang-{i}@example.com"), writable: false));
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Expect(answer, "\"statusCode\":503");
        }

        return (Report.Median(times), InvocationBudget.ForTimeout(10).Budget.TotalMilliseconds);
    }

    /// <summary>
    /// Median ms from SendOtpEmail's call to its answer for a batch of 10 fresh codes with SES
    /// hanging, at OTP_FUNCTION_TIMEOUT_SECONDS=30; every record must come back in batchItemFailures.
    /// </summary>
    public static async Task<(double Ms, double BudgetMs)> SenderBatchMsAsync(IReadOnlyDictionary<string, string> environment, Uri dynamoDbEndpoint, int runs)
    {
        UseCredentialsOf(environment);
        await using var hanging = new HangingEndpoint();
        var env = new Dictionary<string, string>(environment) { ["OTP_FUNCTION_TIMEOUT_SECONDS"] = "30" };
        var generate = new GenerateOtp.Function(new OtpServices(ServiceConfiguration.Read(env.GetValueOrDefault), TimeProvider.System) { LogOutput = TextWriter.Null });
        var sender = new SendOtpEmail.Function(new OtpServices(ServiceConfiguration.Read(new Dictionary<string, string>(env) { ["AWS_ENDPOINT_URL_SESV2"] = hanging.Url.ToString() }.GetValueOrDefault), TimeProvider.System) { LogOutput = TextWriter.Null });
        var times = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var addresses = Enumerable.Range(0, 10).Select(i => $"hang-{Guid.NewGuid():N}-{i}@example.com").ToList();
            foreach (var address in addresses)
            {
                await using var issued = await generate.FunctionHandler(new MemoryStream(SampleEvents.Generate(address), writable: false));
                Expect(issued, "\"statusCode\":202");
            }

            var streamEvent = await InsertsAsync(dynamoDbEndpoint, env["OTP_TABLE_NAME"], addresses);
            var started = Stopwatch.GetTimestamp();
            await using var answer = await sender.FunctionHandler(new MemoryStream(streamEvent, writable: false));
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var failures = JsonSerializer.Deserialize(answer, LambdaJsonContext.Default.StreamBatchResponse)!.BatchItemFailures.Count;
            if (failures != addresses.Count)
            {
                throw new InvalidOperationException($"Expected all {addresses.Count} records back for retry, got {failures}.");
            }
        }

        return (Report.Median(times), InvocationBudget.ForTimeout(30).Budget.TotalMilliseconds);
    }

    /// <summary>The SDK's credential chain reads the process environment (as in Lambda), not the functions' settings.</summary>
    private static void UseCredentialsOf(IReadOnlyDictionary<string, string> environment)
    {
        foreach (var name in (string[])["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"])
        {
            Environment.SetEnvironmentVariable(name, environment[name]);
        }
    }

    private static async Task<byte[]> InsertsAsync(Uri dynamoDbEndpoint, string table, IEnumerable<string> addresses)
    {
        using var client = LocalTable.CreateClient(dynamoDbEndpoint);
        var factory = new StreamRecordFactory("us-east-1", table, [OtpTable.Address, OtpTable.ExpirationTime], TimeProvider.System);
        var records = new List<DynamoDbStreamRecord>();
        foreach (var address in addresses)
        {
            var items = await client.QueryAsync(new QueryRequest
            {
                TableName = table,
                KeyConditionExpression = "email_id = :a",
                ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = address } },
            });
            records.AddRange(items.Items.Where(i => i.ContainsKey(OtpTable.Nonce)).Select(i => factory.Insert(i)));
        }

        return JsonSerializer.SerializeToUtf8Bytes(new DynamoDbStreamEvent { Records = records }, LambdaJsonContext.Default.DynamoDbStreamEvent);
    }

    private static void Expect(Stream response, string status)
    {
        var text = new StreamReader(response).ReadToEnd();
        if (!text.Contains(status, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Expected {status}, got {text}");
        }
    }
}
