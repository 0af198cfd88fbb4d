using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Aws;
using OtpService.Core.Rules;
using OtpService.Local.Emulators;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>
/// Holds the number of DynamoDB requests a generate and a verify cost, counted on the wire (the
/// SDK's HTTP handler) against the real emulators with the real rules and store: requests (the
/// bill) and round trips (the waits: requests sent together count once). docs/performance.md
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

    /// <summary>(requests, round trips) of a generate that sends a code.</summary>
    protected abstract (int Requests, int RoundTrips) Generate { get; }

    /// <summary>(requests, round trips) of a verify with a wrong code.</summary>
    protected abstract (int Requests, int RoundTrips) VerifyWrong { get; }

    /// <summary>(requests, round trips) of a verify with the right code.</summary>
    protected abstract (int Requests, int RoundTrips) VerifyRight { get; }

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

        _counter.Reset();
        Assert.Equal(GenerateStatus.Sent, (await Issuer().IssueAsync(address, Caller, default)).Status);
        var generate = _counter.Reset();
        var wrong = RuleHarness.Wrong(await CodeAsync(address));
        _counter.Reset();
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

        _counter.Reset();
        Assert.Equal(GenerateStatus.Sent, (await Issuer().IssueAsync(address, Caller, default)).Status);
        var generate = _counter.Reset();
        var code = await CodeAsync(address);
        _counter.Reset();
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
        return _codes.Derive(address, code.Nonce, code.Digits);
    }

    private sealed class CountingFactory(CountingHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);
    }

    /// <summary>Counts requests, and round trips: a request sent while none is in flight starts one.</summary>
    private sealed class CountingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        private readonly Lock _gate = new();
        private int _requests;
        private int _roundTrips;
        private int _inFlight;

        public (int Requests, int RoundTrips) Reset()
        {
            lock (_gate)
            {
                var counted = (_requests, _roundTrips);
                (_requests, _roundTrips) = (0, 0);
                return counted;
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _requests++;
                _roundTrips += _inFlight == 0 ? 1 : 0;
                _inFlight++;
            }

            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                // Read the body before the request counts as answered, so the next wave starts after it.
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            finally
            {
                lock (_gate)
                {
                    _inFlight--;
                }
            }
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
    protected override (int Requests, int RoundTrips) Generate => (3, 2);

    protected override (int Requests, int RoundTrips) VerifyWrong => (2, 2);

    protected override (int Requests, int RoundTrips) VerifyRight => (2, 2);

    protected override async Task<(Uri? Endpoint, string? WhyNot)> StartAsync() =>
        MotoServer.WhyUnavailable is { } why ? (null, why) : ((await MotoServer.SharedAsync()).Endpoint, null);
}

/// <summary>
/// On dynalite (no transactions, the local runner's storage): the counts go beside the reads,
/// and issuing is two writes in turn (the record, then the code).
/// </summary>
public sealed class RequestsPerPairTests : RequestsPerPairContract
{
    protected override (int Requests, int RoundTrips) Generate => (5, 3);

    protected override (int Requests, int RoundTrips) VerifyWrong => (3, 2);

    protected override (int Requests, int RoundTrips) VerifyRight => (4, 2);

    protected override async Task<(Uri? Endpoint, string? WhyNot)> StartAsync() => ((await EmulatorFixture.StartedAsync()).DynamoDbEndpoint, null);
}
