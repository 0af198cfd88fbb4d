using System.Diagnostics;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using OtpService.Core.Aws;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Core.Tokens;
using OtpService.Tests.Integration;

namespace OtpService.Benchmarks;

/// <summary>
/// A KMS key on moto's server for the token figures, when moto is installed: token_issue_kms_ms is
/// one token (claims, one kms:Sign over loopback HTTP to moto, DER to JOSE), token_issue_local_ms the
/// same with the development key in memory. moto's latency is not KMS's; the figure is the client's
/// own cost plus a loopback round trip.
/// </summary>
internal sealed class KmsBench : IAsyncDisposable
{
    private readonly MotoServer _moto;

    private KmsBench(MotoServer moto, string keyArn)
    {
        _moto = moto;
        KeyArn = keyArn;
    }

    public string Endpoint => _moto.Endpoint.ToString().TrimEnd('/');

    public string KeyArn { get; }

    public static async Task<KmsBench?> StartAsync()
    {
        if (MotoServer.WhyUnavailable is { } why)
        {
            Report.Progress($"KMS FIGURES USE THE DEVELOPMENT KEY: {why}");
            return null;
        }

        // The KMS client resolves credentials from the process environment; moto checks none.
        foreach (var name in (string[])["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                Environment.SetEnvironmentVariable(name, "local");
            }
        }

        var moto = await MotoServer.StartAsync();
        using var kms = Client(moto.Endpoint.ToString().TrimEnd('/'));
        // Set-up, not measured: moto loads its KMS backend on the first call, which on a loaded
        // machine outlasts the client's budget-sized attempts; try a few times.
        CreateKeyResponse key;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                key = await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY });
                break;
            }
            catch (TimeoutException) when (attempt < 5)
            {
                Report.Progress($"moto's KMS did not answer CreateKey in time (attempt {attempt}); trying again");
            }
        }

        Report.Progress($"moto's KMS at {moto.Endpoint}, key {key.KeyMetadata.Arn}");
        return new KmsBench(moto, key.KeyMetadata.Arn);
    }

    public static async Task EmitTokenFiguresAsync(KmsBench? bench, int count)
    {
        var local = Tokens(new EcdsaJwsSigner(DevelopmentKeys.TokenSigningKeyPem));
        var localMs = await MeanMsAsync(local, count);
        Report.Emit(new Figure("token_issue_local_ms", localMs, "ms"));
        if (bench is null)
        {
            return;
        }

        using var kms = Client(bench.Endpoint);
        var signer = await KmsJwsSigner.CreateAsync(kms, bench.KeyArn, default);
        Report.Emit(new Figure("token_issue_kms_ms", await MeanMsAsync(Tokens(signer), count), "ms", localMs));
    }

    public ValueTask DisposeAsync() => _moto.DisposeAsync();

    private static IdentityTokens Tokens(IJwsSigner signer) =>
        new(signer, new SubjectIdentifiers(System.Text.Encoding.UTF8.GetBytes(DevelopmentKeys.SubjectKey)), new TokenSettings(), TimeProvider.System);

    private static async Task<double> MeanMsAsync(IdentityTokens tokens, int count)
    {
        var verified = new VerifiedAddress("bench@example.com", 0);
        for (var i = 0; i < 50; i++)
        {
            await tokens.IssueAsync("https://bench.example.com", verified, default);
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await tokens.IssueAsync("https://bench.example.com", verified, default);
        }

        return Stopwatch.GetElapsedTime(started).TotalMilliseconds / count;
    }

    private static AmazonKeyManagementServiceClient Client(string endpoint)
    {
        var environment = new Dictionary<string, string> { ["AWS_ENDPOINT_URL_KMS"] = endpoint, ["AWS_REGION"] = "us-east-1" };
        var configuration = ServiceConfiguration.Read(environment.GetValueOrDefault);
        return AwsClientFactory.Kms(configuration.Aws, configuration.Budget);
    }
}
