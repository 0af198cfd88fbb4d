using OtpService.Core.Composition;
using OtpService.Core.Ports;
using OtpService.Core.Storage;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>
/// Every counter write gives the same result whether the SDK sends it once or twice. The fault
/// is real (<see cref="ResponseWithholdingProxy"/>): dynalite applies the write, its response is
/// lost, the client's attempt times out and the SDK's standard retry sends the write again.
/// </summary>
public class CounterRetryTests : IAsyncLifetime
{
    private const long Now = 1_800_000_000;
    private ResponseWithholdingProxy _proxy = null!;
    private DynamoDbOtpStore _direct = null!;
    private DynamoDbOtpStore _retried = null!;

    public async Task InitializeAsync()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        var env = new Dictionary<string, string>(emulators.LambdaEnvironment(table));
        _direct = new DynamoDbOtpStore(OtpServices.CreateDynamoDbClient(env.GetValueOrDefault), table);
        _proxy = new ResponseWithholdingProxy(new Uri(env["AWS_ENDPOINT_URL_DYNAMODB"]));
        env["AWS_ENDPOINT_URL_DYNAMODB"] = _proxy.Url.ToString().TrimEnd('/');
        // The production client: attempts bounded by the default budget, one standard-mode retry.
        _retried = new DynamoDbOtpStore(OtpServices.CreateDynamoDbClient(env.GetValueOrDefault), table);
    }

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Theory]
    [InlineData(WindowCounter.Requests, "addrA")]
    [InlineData(WindowCounter.Failures, null)]
    [InlineData(WindowCounter.Sends, null)]
    public async Task Count_WhoseResponseIsLost_AndRetried_CountsOnce(WindowCounter counter, string? member)
    {
        var window = new WindowKey("client#retry-count-" + counter, Now + 3600);

        _proxy.WithholdNextResponse();
        Assert.True(await _retried.TryCountAsync(window, counter, "x", 2, member, 1, Now + 7200, default));
        Assert.Equal(1, _proxy.Withheld);

        // Counted once: one more fits under the limit of 2, then none.
        Assert.True(await _direct.TryCountAsync(window, counter, "y", 2, member, 1, Now + 7200, default));
        Assert.False(await _direct.TryCountAsync(window, counter, "z", 2, member, 1, Now + 7200, default));
    }

    [Theory]
    [InlineData(WindowCounter.Requests)]
    [InlineData(WindowCounter.Failures)]
    [InlineData(WindowCounter.Sends)]
    public async Task Uncount_WhoseResponseIsLost_AndRetried_TakesBackOnce(WindowCounter counter)
    {
        var window = new WindowKey("client#retry-uncount-" + counter, Now + 3600);
        Assert.True(await _direct.TryCountAsync(window, counter, "a", 2, null, 0, Now + 7200, default));
        Assert.True(await _direct.TryCountAsync(window, counter, "b", 2, null, 0, Now + 7200, default));

        _proxy.WithholdNextResponse();
        await _retried.UncountAsync(window, counter, "a", default);
        Assert.Equal(1, _proxy.Withheld);

        // Taken back once: one place is free again, not two.
        Assert.True(await _direct.TryCountAsync(window, counter, "c", 2, null, 0, Now + 7200, default));
        Assert.False(await _direct.TryCountAsync(window, counter, "d", 2, null, 0, Now + 7200, default));
    }
}
