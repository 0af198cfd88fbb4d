using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using OtpService.Core.Rules;
using OtpService.Core.Aws;
using OtpService.Tests.Support;

namespace OtpService.Benchmarks;

/// <summary>
/// What one request costs DynamoDB, counted on the wire against dynalite: the real rules and
/// store, with an address whose partition already holds 100 codes. Items read are what the
/// responses carried (Query's Count, GetItem's Item); round trips are requests, and the
/// sequential ones are those that had to wait for an earlier one (requests sent together count once).
/// Run against dynalite (no TransactWriteItems: issuing is two writes, as locally) and against
/// moto's server (issuing is one TransactWriteItems, as in AWS); <see cref="Costs.OneTransaction"/>
/// says which path the store found.
/// </summary>
internal static class StorageFigures
{
    public sealed record Costs(int GenerateItems, int VerifyItems, int GenerateCalls, int VerifyCalls, int GenerateWaves, int VerifyWaves, bool OneTransaction);

    public static async Task<Costs> MeasureAsync(Uri dynamoDb, string tableName)
    {
        var counter = new CountingHandler();
        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = dynamoDb.ToString(),
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new CountingFactory(counter),
        };
        using var client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
        var store = new DynamoDbOtpStore(client, tableName);
        var settings = new OtpSettings();
        var clock = new SteppedClock(1_800_000_000);
        var tagger = new ClientTagger(Encoding.UTF8.GetBytes(OtpService.Core.Aws.DevelopmentKeys.ClientKey));
        var issuer = new OtpIssuer(store, settings, clock, tagger);
        var verifier = new OtpVerifier(store, Derivations.Fixed(Encoding.UTF8.GetBytes("local-development-key-not-for-production-use-000000"), TimeProvider.System), settings, clock, tagger);
        var address = $"history-{Guid.NewGuid():N}@example.com";

        // 100 codes in the address's partition, 13 minutes apart (inside every limit), each from its own client.
        for (var i = 0; i < 100; i++)
        {
            var issued = await issuer.IssueAsync(address, $"192.0.2.{i + 1}", CancellationToken.None);
            if (issued.Status != GenerateStatus.Sent)
            {
                throw new InvalidOperationException($"Seeding the history was refused: {issued}");
            }

            clock.Advance(13 * 60);
        }

        counter.Reset();
        var generated = await issuer.IssueAsync(address, "198.51.100.1", CancellationToken.None);
        var generate = counter.Reset();
        var verified = await verifier.VerifyAsync(address, "000000", "198.51.100.1", CancellationToken.None);
        var verify = counter.Reset();
        if (generated.Status != GenerateStatus.Sent || verified.Status != VerifyStatus.WrongCode)
        {
            throw new InvalidOperationException($"The measured pair did not answer as expected: {generated}, {verified}");
        }

        return new Costs(generate.Items, verify.Items, generate.Calls, verify.Calls, generate.Waves, verify.Waves, store.IssuesInOneTransaction == true);
    }

    private sealed class SteppedClock(long start) : TimeProvider
    {
        private long _now = start;

        public void Advance(long seconds) => _now += seconds;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(_now);
    }

    private sealed class CountingFactory(CountingHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);
    }

    private sealed class CountingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        private readonly Lock _gate = new();
        private int _items;
        private int _calls;
        private int _waves;
        private int _inFlight;

        public (int Items, int Calls, int Waves) Reset()
        {
            lock (_gate)
            {
                var result = (_items, _calls, _waves);
                (_items, _calls, _waves) = (0, 0, 0);
                return result;
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _calls++;
                _waves += _inFlight == 0 ? 1 : 0;
                _inFlight++;
            }

            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var items = ItemsIn(request.Headers, body);
                var copy = new ByteArrayContent(body);
                foreach (var header in response.Content.Headers)
                {
                    copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = copy;
                lock (_gate)
                {
                    _items += items;
                }

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

        private static int ItemsIn(HttpRequestHeaders headers, byte[] body)
        {
            var target = headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
            if (body.Length == 0 || !(target.EndsWith(".Query", StringComparison.Ordinal) || target.EndsWith(".GetItem", StringComparison.Ordinal)))
            {
                return 0;
            }

            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("Count", out var count) ? count.GetInt32()
                : json.RootElement.TryGetProperty("Item", out _) ? 1 : 0;
        }
    }
}
