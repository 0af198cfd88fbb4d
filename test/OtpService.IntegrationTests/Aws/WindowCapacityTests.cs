using OtpService.Tests.Integration;
using System.Text;
using Amazon.DynamoDBv2.Model;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using Xunit;
using OtpService.Tests.Support;

namespace OtpService.Tests.Aws;

/// <summary>
/// The window arithmetic of <see cref="WindowCapacity"/> against the table's real attribute names
/// and against dynalite, which enforces DynamoDB's 400 KB item limit with AWS's size rules: a
/// client window at the largest limits the settings accept still takes its last count, and one a
/// little past them is refused by the item limit, the fault the settings now refuse at cold start.
/// </summary>
public class WindowCapacityTests
{
    private const long WindowEnd = 1_800_003_600;

    /// <summary>A client tag as <see cref="ClientTagger.Client"/> makes it: "c" and 22 base64url characters.</summary>
    private static readonly string ClientTag = new ClientTagger(new byte[32]).Client("203.0.113.7");

    /// <summary>DynamoDB's size of a string attribute, of a number (AWS: 1 byte per two significant digits, plus 1) and of a string set.</summary>
    private static int Size(string name, string value) => Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);

    private static int NumberSize(string name, long value) => Encoding.UTF8.GetByteCount(name) + ((value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1) / 2) + 1;

    [Fact]
    public void TheOverheadBound_CoversTheRealKeyTimesAndSetNames()
    {
        var window = AbuseLimits.ClientWindow(ClientTag, WindowEnd - 10);
        var overhead = Size(OtpTable.Address, window.Key)
            + NumberSize(OtpTable.ExpirationTime, window.WindowEnd)
            + NumberSize(OtpTable.DeleteAfter, AbuseLimits.WindowKeepUntil(window))
            + Encoding.UTF8.GetByteCount(OtpTable.RequestTokens) + Encoding.UTF8.GetByteCount(OtpTable.Addresses) + Encoding.UTF8.GetByteCount(OtpTable.FailedVerificationTokens);
        var budget = AbuseLimits.BudgetWindow(WindowEnd - 10);
        var budgetOverhead = Size(OtpTable.Address, budget.Key) + NumberSize(OtpTable.ExpirationTime, budget.WindowEnd)
            + NumberSize(OtpTable.DeleteAfter, AbuseLimits.WindowKeepUntil(budget)) + Encoding.UTF8.GetByteCount(OtpTable.SendTokens);

        Assert.InRange(overhead, 100, WindowCapacity.OverheadBytes);
        Assert.InRange(budgetOverhead, 50, WindowCapacity.OverheadBytes);
        Assert.Equal(IdempotencyToken.Length, IdempotencyToken.New().Length);
        Assert.Equal(ClientTagger.AddressTagLength, new ClientTagger(new byte[32]).Address("a@example.com").Length);
    }

    [Fact]
    public async Task AClientWindowAtTheLargestAcceptedLimits_TakesItsLastCount_InsideTheItemLimit()
    {
        const int addresses = 1000;
        var tokens = WindowCapacity.MaxClientTokens(addresses);
        var failures = 30;
        var requests = tokens - failures;
        var settings = ServiceConfiguration.Read(new Dictionary<string, string>
        {
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = $"{requests}",
            ["OTP_CLIENT_MAX_FAILURES_PER_HOUR"] = $"{failures}",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = $"{addresses}",
        }.GetValueOrDefault).Otp;
        var (store, window) = await FullWindowAsync(requests - 1, failures, addresses);

        Assert.True(await store.TryCountAsync(window, WindowCounter.Requests, IdempotencyToken.New(), settings.ClientMaxRequestsPerHour, Tag(addresses - 1), addresses, WindowEnd + 3600, default));
        Assert.False(await store.TryCountAsync(window, WindowCounter.Requests, IdempotencyToken.New(), settings.ClientMaxRequestsPerHour, Tag(addresses - 1), addresses, WindowEnd + 3600, default));
    }

    [Fact]
    public async Task AClientWindowPastTheCapacity_IsRefusedByTheItemLimit_WhichTheSettingsNowRefuseFirst()
    {
        const int addresses = 1000;
        var requests = WindowCapacity.MaxClientTokens(addresses) + 200 - 30;
        var refused = Assert.Throws<InvalidOperationException>(() => ServiceConfiguration.Read(new Dictionary<string, string>
        {
            ["OTP_CLIENT_MAX_REQUESTS_PER_HOUR"] = $"{requests}",
            ["OTP_CLIENT_MAX_ADDRESSES_PER_HOUR"] = $"{addresses}",
        }.GetValueOrDefault).Otp);
        Assert.Contains("OTP_CLIENT_MAX_REQUESTS_PER_HOUR", refused.Message, StringComparison.Ordinal);

        // What such a limit meets in the table: past the capacity (and the bound's slack) the window
        // stops growing at DynamoDB's item limit, long before the configured limit.
        var (store, window) = await FullWindowAsync(WindowCapacity.MaxClientTokens(addresses) + 100 - 30, 30, addresses);
        var counted = 0;
        var failure = await Record.ExceptionAsync(async () =>
        {
            while (counted < 200)
            {
                Assert.True(await store.TryCountAsync(window, WindowCounter.Requests, IdempotencyToken.New(), requests, Tag(addresses - 1), addresses, WindowEnd + 3600, default));
                counted++;
            }
        });

        Assert.Equal((Dependency.DynamoDB, FailureKind.Configuration), (Assert.IsType<DependencyException>(failure).Service, ((DependencyException)failure).Kind));
        Assert.InRange(counted, 0, 99);
    }

    [Fact]
    public async Task TheBudgetWindowAtItsLargestAcceptedLimit_TakesItsLastCount()
    {
        var sends = ServiceConfiguration.Read(n => n == "OTP_MAX_SENDS_PER_MINUTE" ? $"{WindowCapacity.MaxTokens}" : null).Otp.MaxSendsPerMinute;
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        using var client = emulators.CreateDynamoDbClient();
        var window = AbuseLimits.BudgetWindow(WindowEnd - 10);
        await client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                [OtpTable.Address] = new AttributeValue { S = window.Key },
                [OtpTable.ExpirationTime] = new AttributeValue { N = $"{window.WindowEnd}" },
                [OtpTable.DeleteAfter] = new AttributeValue { N = $"{AbuseLimits.WindowKeepUntil(window)}" },
                [OtpTable.SendTokens] = new AttributeValue { SS = Tokens(sends - 1) },
            },
        });
        var store = new DynamoDbOtpStore(TestConfiguration.DynamoDb(emulators.LambdaEnvironment(table).GetValueOrDefault), table);

        Assert.True(await store.TryCountAsync(window, WindowCounter.Sends, IdempotencyToken.New(), sends, null, 0, AbuseLimits.WindowKeepUntil(window), default));
    }

    /// <summary>A client window holding these many request and failure tokens and address tags, put whole into a fresh dynalite table.</summary>
    private static async Task<(DynamoDbOtpStore Store, WindowKey Window)> FullWindowAsync(int requests, int failures, int addresses)
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        using var client = emulators.CreateDynamoDbClient();
        var window = AbuseLimits.ClientWindow(ClientTag, WindowEnd - 10);
        await client.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                [OtpTable.Address] = new AttributeValue { S = window.Key },
                [OtpTable.ExpirationTime] = new AttributeValue { N = $"{window.WindowEnd}" },
                [OtpTable.DeleteAfter] = new AttributeValue { N = $"{AbuseLimits.WindowKeepUntil(window)}" },
                [OtpTable.RequestTokens] = new AttributeValue { SS = Tokens(requests) },
                [OtpTable.FailedVerificationTokens] = new AttributeValue { SS = Tokens(failures) },
                [OtpTable.Addresses] = new AttributeValue { SS = Enumerable.Range(0, addresses).Select(Tag).ToList() },
            },
        });
        return (new DynamoDbOtpStore(TestConfiguration.DynamoDb(emulators.LambdaEnvironment(table).GetValueOrDefault), table), window);
    }

    private static List<string> Tokens(int count)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        while (tokens.Count < count)
        {
            tokens.Add(IdempotencyToken.New());
        }

        return [.. tokens];
    }

    private static string Tag(int i) => new ClientTagger(new byte[32]).Address($"user{i}@example.com");
}
