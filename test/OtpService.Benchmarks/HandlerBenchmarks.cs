using System.Text;
using BenchmarkDotNet.Attributes;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Tests.Support;

namespace OtpService.Benchmarks;

/// <summary>
/// Our own cost per invocation: the real GenerateOtp and VerifyOtp handlers on full-size API
/// Gateway events, with storage answered by <see cref="FixedOtpStore"/> and the log line written
/// to a null writer (formatted, not printed). Generate issues a code (202); Verify checks the
/// right code (HMAC derivation, constant-time compare), marks it used and signs its token (ES256 with the development key; 200).
/// </summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    public const string Address = "user@example.com";
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("local-development-key-not-for-production-use-000000");

    private GenerateOtp.Function _generate = null!;
    private VerifyOtp.Function _verify = null!;
    private byte[] _generateEvent = [];
    private byte[] _verifyEvent = [];

    [GlobalSetup]
    public void Setup()
    {
        var settings = new OtpSettings();
        var codes = Derivations.Fixed(Key, TimeProvider.System);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var nonce = Enumerable.Range(1, CodeDerivation.NonceBytes).Select(i => (byte)i).ToArray();
        var stored = new StoredCode(Address, now + 315_360_000, now, nonce, settings.CodeLength);
        var log = new InvocationLog(TextWriter.Null, "bench", TimeProvider.System);

        var tagger = new ClientTagger(Encoding.UTF8.GetBytes(OtpService.Core.Aws.DevelopmentKeys.ClientKey));
        var record = AddressState.Empty with { Version = 1, Newest = stored.ExpiresAt, SendTat = now + 720, LastSentAt = now };
        _generate = new GenerateOtp.Function(
            new OtpIssuer(new FixedOtpStore(new NewestCode(AddressState.Empty, null)), settings, TimeProvider.System, tagger), settings, log);
        _verify = new VerifyOtp.Function(
            new OtpVerifier(new FixedOtpStore(new NewestCode(record, stored)), codes, settings, TimeProvider.System, tagger), settings, log,
            new OtpService.Core.Tokens.IdentityTokens(
                new OtpService.Core.Tokens.EcdsaJwsSigner(OtpService.Core.Aws.DevelopmentKeys.TokenSigningKeyPem),
                new OtpService.Core.Tokens.SubjectIdentifiers(Encoding.UTF8.GetBytes(OtpService.Core.Aws.DevelopmentKeys.SubjectKey)),
                new OtpService.Core.Tokens.TokenSettings(),
                TimeProvider.System));
        _generateEvent = SampleEvents.Generate(Address);
        _verifyEvent = SampleEvents.Verify(Address, codes.Derive(OtpKey.LocalVersion, Address, nonce, settings.CodeLength));
    }

    [Benchmark]
    public Task<Stream> Generate() => _generate.FunctionHandler(new MemoryStream(_generateEvent, writable: false));

    [Benchmark]
    public Task<Stream> Verify() => _verify.FunctionHandler(new MemoryStream(_verifyEvent, writable: false));

    /// <summary>Both handlers once, checked to answer as the benchmark expects (202 and 200).</summary>
    public async Task<(string Generate, string Verify)> SmokeAsync()
    {
        Setup();
        return (await ReadAsync(await Generate()), await ReadAsync(await Verify()));

        static async Task<string> ReadAsync(Stream stream)
        {
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync();
        }
    }
}
