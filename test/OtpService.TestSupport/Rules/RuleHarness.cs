using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>The three rules wired to one in-memory store, one fake clock and one recording mailer.</summary>
public sealed class RuleHarness
{
    /// <param name="settings">Defaults when null.</param>
    /// <param name="derivation">The code derivation for verify and mail; the development key when null.</param>
    public RuleHarness(OtpSettings? settings = null, CodeDerivation? derivation = null)
    {
        Derivation = derivation ?? TestKeys.Derivation(Clock);
        Settings = (settings ?? new OtpSettings()) with { SenderAddress = "no-reply@example.com" };
        Issuer = new OtpIssuer(Store, Settings, Clock, Tagger);
        Verifier = new OtpVerifier(Store, Derivation, Settings, Clock, Tagger);
        Mailer = new OtpMailer(Store, Mail, Derivation, Settings, Clock);
    }

    public OtpSettings Settings { get; }
    public InMemoryOtpStore Store { get; } = new();
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    public CodeDerivation Derivation { get; }
    public ClientTagger Tagger { get; } = TestKeys.Tagger();

    /// <summary>The caller of most tests (an IPv4 from the documentation range, RFC 5737).</summary>
    public const string Client = "198.51.100.10";

    /// <summary>A second caller, e.g. the owner when <see cref="Client"/> attacks.</summary>
    public const string OtherClient = "203.0.113.20";

    public long Now => Clock.GetUtcNow().ToUnixTimeSeconds();
    public RecordingEmailSender Mail { get; } = new();
    public OtpIssuer Issuer { get; }
    public OtpVerifier Verifier { get; }
    public OtpMailer Mailer { get; }

    public void Advance(int seconds) => Clock.Advance(TimeSpan.FromSeconds(seconds));

    /// <summary>The code a user would read in the mail for the address's newest code.</summary>
    public string CurrentCode(string address)
    {
        var code = Store.Codes(address)[0];
        return Derivation.Derive(Derivation.CurrentKeyVersion, address, code.Nonce, code.Digits);
    }

    /// <summary>The code of the address's <paramref name="index"/>-th newest code (0: newest) under the current key.</summary>
    public string CodeAt(string address, int index)
    {
        var code = Store.Codes(address)[index];
        return Derivation.Derive(Derivation.CurrentKeyVersion, address, code.Nonce, code.Digits);
    }

    public static string Wrong(string code) => code[0] == '9' ? "0" + code[1..] : (char)(code[0] + 1) + code[1..];
}
