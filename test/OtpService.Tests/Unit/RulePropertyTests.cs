using CsCheck;
using OtpService.Core.Otp;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

/// <summary>
/// Random sequences of generate, verify (right, wrong or stale code) and clock advances against
/// the rules, checking the invariants that make codes safe whatever callers do.
/// </summary>
public class RulePropertyTests
{
    // Small limits so random runs hit every one of them.
    private static readonly OtpSettings Tight = new()
    {
        TtlSeconds = 60,
        MaxAttempts = 3,
        ResendCooldownSeconds = 10,
        MaxSendsPerHour = 3,
        MaxFailuresPerDay = 8,
    };

    private static readonly string[] Addresses = ["a@example.com", "b@example.com"];

    private enum Kind
    {
        Generate,
        VerifyRight,
        VerifyWrong,
        VerifyStale,
        Advance,
    }

    private sealed record Step(Kind Kind, int Address, int Seconds);

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Enum<Kind>(),
        Gen.Int[0, Addresses.Length - 1],
        Gen.OneOf(Gen.Int[1, 15], Gen.Int[50, 70], Gen.Int[600, 4000], Gen.Int[80_000, 90_000]),
        (kind, address, seconds) => new Step(kind, address, seconds));

    [Fact]
    public void RandomSequences_KeepEveryInvariant()
    {
        StepGen.Array[1, 80].Sample(steps => Run(steps), iter: 400);
    }

    private static OtpService.Core.Ports.StoredCode? Newest(RuleHarness h, string address)
    {
        var codes = h.Store.Codes(address);
        return codes.Count > 0 ? codes[0] : null;
    }

    private static void Run(Step[] steps)
    {
        var h = new RuleHarness(Tight);
        var verifiedCodes = new HashSet<(string, long)>();
        var sends = Addresses.ToDictionary(a => a, _ => new List<long>());
        var staleCodes = Addresses.ToDictionary(a => a, _ => (string?)null);

        foreach (var step in steps)
        {
            var address = Addresses[step.Address];
            var now = h.Clock.GetUtcNow().ToUnixTimeSeconds();
            switch (step.Kind)
            {
                case Kind.Advance:
                    h.Advance(step.Seconds);
                    break;
                case Kind.Generate:
                    var previous = Newest(h, address);
                    var issued = h.Issuer.IssueAsync(address, default).GetAwaiter().GetResult();
                    if (issued.Status == GenerateStatus.Sent)
                    {
                        sends[address].Add(now);
                        if (previous is not null)
                        {
                            staleCodes[address] = h.Codes.Derive(address, previous.Nonce, previous.Digits);
                        }
                    }
                    else
                    {
                        Assert.True(issued.RetryAfterSeconds >= 1, "a refusal says when to come back");
                    }

                    break;
                default:
                    var target = Newest(h, address);
                    var submitted = (step.Kind, target) switch
                    {
                        (_, null) => "123456",
                        (Kind.VerifyRight, _) => h.CurrentCode(address),
                        (Kind.VerifyStale, _) when staleCodes[address] is { } stale => stale,
                        _ => RuleHarness.Wrong(h.CurrentCode(address)),
                    };
                    var before = target;
                    var outcome = h.Verifier.VerifyAsync(address, submitted, default).GetAwaiter().GetResult();
                    if (outcome.Status == VerifyStatus.Verified)
                    {
                        Assert.NotNull(before);
                        Assert.True(verifiedCodes.Add((address, before.ExpiresAt)), "a code verified twice");
                        Assert.True(before.ExpiresAt >= now, "verified after expiry");
                        Assert.True(before.Attempts < Tight.MaxAttempts, "verified after the attempt limit");
                        Assert.Equal(h.CurrentCode(address), submitted);
                    }

                    if (outcome.Status == VerifyStatus.WrongCode)
                    {
                        Assert.NotEqual(h.CurrentCode(address), submitted);
                    }

                    break;
            }

            foreach (var (_, times) in sends)
            {
                for (var i = 0; i < times.Count; i++)
                {
                    Assert.True(times.Count(t => t > times[i] - 3600 && t <= times[i]) <= Tight.MaxSendsPerHour, "more sends in an hour than the cap");
                    Assert.True(i == 0 || times[i] - times[i - 1] >= Tight.ResendCooldownSeconds, "a send inside the cooldown");
                }
            }

            foreach (var a in Addresses)
            {
                var codes = h.Store.Codes(a);
                Assert.All(codes, c => Assert.InRange(c.Attempts, 0, Tight.MaxAttempts));
                var dayAgo = h.Clock.GetUtcNow().ToUnixTimeSeconds() - 86_400;
                Assert.True(codes.Where(c => c.CreatedAt > dayAgo).Sum(c => c.Attempts) <= Tight.MaxFailuresPerDay,
                    "wrong guesses beyond the daily cap");
            }
        }
    }
}
