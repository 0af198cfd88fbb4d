using OtpService.Tests.Integration;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>
/// Holds the number of DynamoDB requests a generate and a verify cost, counted on the wire (the
/// SDK's HTTP handler) against the real emulators with the real rules and store: the requests of
/// each round trip (the waits: requests sent together count once), so both the bill and the waits
/// are held; the handler holds answers until a round trip's requests are all sent, so a busy
/// machine cannot split one round trip into two. docs/performance.md
/// ("Round trips") says what each one is for. The store first learns whether the endpoint has
/// transactions (one issue for another address), as it has after its first request in a function.
/// </summary>
public abstract class RequestsPerPairContract : IAsyncLifetime
{
    private const long Now = 1_800_000_000;
    private const string Caller = "198.51.100.20";
    private readonly CountingHandler _counter = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(Now));
    private readonly OtpSettings _settings = new();
    private readonly CodeDerivation _codes = TestKeys.Derivation();
    private readonly ClientTagger _tagger = TestKeys.Tagger();
    private DynamoDbOtpStore? _store;
    private AmazonDynamoDBClient? _client;
    private string? _whyNot;

    /// <summary>The requests of a generate that sends a code, by round trip: how many are sent together in each.</summary>
    protected abstract int[] Generate { get; }

    /// <summary>The requests of a verify with a wrong code, by round trip.</summary>
    protected abstract int[] VerifyWrong { get; }

    /// <summary>The requests of a verify with the right code, by round trip.</summary>
    protected abstract int[] VerifyRight { get; }

    protected abstract Task<(Uri? Endpoint, string? WhyNot)> StartAsync();

    public async Task InitializeAsync()
    {
        (var endpoint, _whyNot) = await StartAsync();
        if (endpoint is null)
        {
            return;
        }

        var table = $"otp_pair_{Guid.NewGuid():N}";
        using (var admin = LocalTable.CreateClient(endpoint))
        {
            await LocalTable.CreateAsync(admin, table, TimeProvider.System, CancellationToken.None);
        }

        _client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new CountingFactory(_counter),
        });
        _store = new DynamoDbOtpStore(_client, table);
        Assert.Equal(GenerateStatus.Sent, (await Issuer().IssueAsync("learn@example.com", "198.51.100.21", default)).Status);
    }

    public Task DisposeAsync()
    {
        _client?.Dispose();
        return Task.CompletedTask;
    }

    [SkippableFact]
    public async Task GenerateThenWrongCode_CostsTheHeldRequests()
    {
        Skip.If(_whyNot is not null, _whyNot);
        const string address = "pair-wrong@example.com";

        _counter.Expect(Generate);
        Assert.Equal(GenerateStatus.Sent, (await Issuer().IssueAsync(address, Caller, default)).Status);
        var generate = _counter.Reset();
        var wrong = RuleHarness.Wrong(await CodeAsync(address));
        _counter.Expect(VerifyWrong);
        var outcome = await Verifier().VerifyAsync(address, wrong, Caller, default);
        var verify = _counter.Reset();

        Assert.Equal((VerifyStatus.WrongCode, _settings.MaxAttempts - 1), (outcome.Status, outcome.AttemptsRemaining));
        Assert.Equal(Generate, generate);
        Assert.Equal(VerifyWrong, verify);
    }

    [SkippableFact]
    public async Task GenerateThenRightCode_CostsTheHeldRequests()
    {
        Skip.If(_whyNot is not null, _whyNot);
        const string address = "pair-right@example.com";

        _counter.Expect(Generate);
        Assert.Equal(GenerateStatus.Sent, (await Issuer().IssueAsync(address, Caller, default)).Status);
        var generate = _counter.Reset();
        var code = await CodeAsync(address);
        _counter.Expect(VerifyRight);
        var outcome = await Verifier().VerifyAsync(address, code, Caller, default);
        var verify = _counter.Reset();

        Assert.Equal(VerifyStatus.Verified, outcome.Status);
        Assert.Equal(Generate, generate);
        Assert.Equal(VerifyRight, verify);
    }

    private OtpIssuer Issuer() => new(_store!, _settings, _clock, _tagger);

    private OtpVerifier Verifier() => new(_store!, _codes, _settings, _clock, _tagger);

    /// <summary>The code the mail would carry (read through the counted client: callers reset the count after).</summary>
    private async Task<string> CodeAsync(string address)
    {
        var code = (await _store!.LoadNewestAsync(address, default)).Code!;
        return _codes.Derive(_codes.CurrentKeyVersion, address, code.Nonce, code.Digits);
    }

    private sealed class CountingFactory(CountingHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);
    }

    /// <summary>
    /// Counts the requests of each round trip on the wire. Given the round trips expected
    /// (<see cref="Expect"/>), it holds each request's answer until the round trip it belongs to has
    /// all its requests, so requests sent together are seen together however busy the machine is (a
    /// request that finished before its sibling started would otherwise look like a round trip of
    /// its own). A round trip that never fills (the requests went one after another) is released
    /// after <see cref="Hold"/> and shows as a round trip of fewer requests: the test then fails.
    /// </summary>
    private sealed class CountingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        private static readonly TimeSpan Hold = TimeSpan.FromSeconds(10);
        private readonly Lock _gate = new();
        private readonly List<int> _seen = [];
        private int[] _expected = [];
        private TaskCompletionSource? _filling;

        /// <summary>Starts counting a call expected to send these round trips.</summary>
        public void Expect(int[] roundTrips)
        {
            lock (_gate)
            {
                _expected = roundTrips;
                _seen.Clear();
                _filling = null;
            }
        }

        /// <summary>The requests seen per round trip since <see cref="Expect"/>; stops holding.</summary>
        public int[] Reset()
        {
            lock (_gate)
            {
                var seen = _seen.ToArray();
                _expected = [];
                _seen.Clear();
                _filling?.TrySetResult();
                _filling = null;
                return seen;
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Task? wait = null;
            TaskCompletionSource? mine = null;
            lock (_gate)
            {
                if (_filling is null)
                {
                    _seen.Add(0);
                    _filling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                mine = _filling;
                _seen[^1]++;
                var trip = _seen.Count - 1;
                if (trip >= _expected.Length || _seen[^1] >= _expected[trip])
                {
                    _filling = null; // full (or unexpected): the next request starts a new round trip
                    mine.TrySetResult();
                }
                else
                {
                    wait = mine.Task;
                }
            }

            if (wait is not null && await Task.WhenAny(wait, Task.Delay(Hold, cancellationToken)) != wait)
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_filling, mine))
                    {
                        _filling = null; // never filled: released short
                    }
                }
            }

            var response = await base.SendAsync(request, cancellationToken);
            // Read the body before the request counts as answered.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
    }
}

/// <summary>
/// On moto's server, which has TransactWriteItems as AWS does: generate is a read and the
/// budget's count side by side, then one transaction (the record, the code, the client's count);
/// verify a read, then one transaction (the record's write and the client's failure count, or
/// for a right code the window's room). Skipped where moto is missing.
/// </summary>
public sealed class RequestsPerPairMotoTests : RequestsPerPairContract
{
    protected override int[] Generate => [2, 1];

    protected override int[] VerifyWrong => [1, 1];

    protected override int[] VerifyRight => [1, 1];

    protected override async Task<(Uri? Endpoint, string? WhyNot)> StartAsync() =>
        MotoServer.WhyUnavailable is { } why ? (null, why) : ((await MotoServer.SharedAsync()).Endpoint, null);
}

/// <summary>
/// On dynalite (no transactions, the local runner's storage): the counts go beside the reads,
/// and issuing is two writes in turn (the record, then the code).
/// </summary>
public sealed class RequestsPerPairTests : RequestsPerPairContract
{
    protected override int[] Generate => [3, 1, 1];

    protected override int[] VerifyWrong => [2, 1];

    protected override int[] VerifyRight => [2, 2];

    protected override async Task<(Uri? Endpoint, string? WhyNot)> StartAsync() => ((await EmulatorFixture.StartedAsync()).DynamoDbEndpoint, null);
}
