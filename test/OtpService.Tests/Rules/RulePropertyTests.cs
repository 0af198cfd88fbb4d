using CsCheck;
using OtpService.Core.Rules;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// Random interleavings of an owner (signs in to the victim's address with the codes mailed to
/// it, sometimes mistyping), an attacker (requests codes for the victim's and another address,
/// guesses, replays stale codes) and clock advances, checking the invariants that make codes
/// safe and keep the owner in whatever the attacker does: never two successes for one code,
/// none after expiry or the attempt limits, no cap exceeded, and the owner's lockout bound; an
/// earlier mail's code never verifies and never counts (superseded while unexpired).
/// </summary>
public class RulePropertyTests
{
    // Small limits so random runs hit every one of them; MaxAttemptsAllClients is two clients' worth.
    private static readonly OtpSettings Tight = new()
    {
        TtlSeconds = 60,
        MaxAttempts = 3,
        MaxAttemptsAllClients = 6,
        ResendCooldownSeconds = 10,
        MaxSendsPerHour = 3,
        ClientMaxSendsPerAddressPerHour = 2,
        ClientMaxRequestsPerHour = 8,
        ClientMaxAddressesPerHour = 2,
        ClientMaxFailuresPerHour = 12,
        MaxSendsPerMinute = 5,
        FailuresBeforeLongCodes = 4,
        FailureForgiveSeconds = 3600,
        LongCodeLength = 8,
    };

    private const string Victim = "victim@example.com";
    private const string Other = "other@example.com";
    private const string Owner = RuleHarness.OtherClient;
    private const string Attacker = RuleHarness.Client;

    private enum Kind
    {
        OwnerGenerate,
        OwnerVerify,
        OwnerTypo,
        AttackerGenerate,
        AttackerGuess,
        AttackerStale,
        Advance,
    }

    private sealed record Step(Kind Kind, bool OtherAddress, int Seconds);

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Enum<Kind>(),
        Gen.Bool,
        Gen.OneOf(Gen.Int[1, 15], Gen.Int[50, 70], Gen.Int[600, 4000], Gen.Int[80_000, 90_000]),
        (kind, other, seconds) => new Step(kind, other, seconds));

    [Fact]
    public void RandomInterleavings_KeepEveryInvariant()
    {
        StepGen.Array[1, 100].Sample(steps => Run(steps), iter: 400);
    }

    private sealed class Log
    {
        public HashSet<(string, long)> Verified { get; } = [];
        public List<(string Address, string Client, long At, bool OwnerLane)> Sends { get; } = [];
        public List<(string Client, long At)> Requests { get; } = [];
        public List<(string Client, long At)> Failures { get; } = [];
        /// <summary>The code of the previous mail to each address and when it expires.</summary>
        public Dictionary<string, (string Code, long ExpiresAt)?> Stale { get; } = new() { [Victim] = null, [Other] = null };
        public Dictionary<string, int> ShortCodeWrongGuesses { get; } = new() { [Victim] = 0, [Other] = 0 };
    }

    private static void Run(Step[] steps)
    {
        var h = new RuleHarness(Tight);
        var log = new Log();
        var started = h.Now;
        foreach (var step in steps)
        {
            var address = step.OtherAddress && step.Kind is Kind.AttackerGenerate or Kind.AttackerGuess or Kind.AttackerStale ? Other : Victim;
            switch (step.Kind)
            {
                case Kind.Advance:
                    h.Advance(step.Seconds);
                    break;
                case Kind.OwnerGenerate or Kind.AttackerGenerate:
                    Generate(h, log, address, step.Kind == Kind.OwnerGenerate ? Owner : Attacker);
                    break;
                default:
                    Verify(h, log, address, step.Kind);
                    break;
            }

            CheckCaps(h, log, started);
        }
    }

    private static void Generate(RuleHarness h, Log log, string address, string client)
    {
        var now = h.Now;
        var ownerFresh = client == Owner && OwnerIsFresh(log, now);
        var codes = h.Store.Codes(address);
        var previous = codes.Count > 0 ? codes[0] : null;
        var lane = AbuseLimits.IsOwner(h.Store.Record(address), h.Tagger.Client(client), now);
        var outcome = h.Issuer.IssueAsync(address, client, default).GetAwaiter().GetResult();
        if (outcome.Status != GenerateStatus.ClientLimited)
        {
            log.Requests.Add((client, now));
        }

        if (outcome.Status == GenerateStatus.Sent)
        {
            log.Sends.Add((address, client, now, lane));
            if (previous is not null)
            {
                log.Stale[address] = (h.Derivation.Derive(h.Derivation.CurrentKeyVersion, address, previous.Nonce, previous.Digits), previous.ExpiresAt);
            }

            return;
        }

        Assert.True(outcome.RetryAfterSeconds >= 1, "a refusal says when to come back");
        if (ownerFresh)
        {
            // The owner's lockout bound: whatever the attacker did, an owner who asked for nothing
            // in the last hour gets a code, at worst after the cooldown the attacker's last send started.
            Assert.True(outcome.Status == GenerateStatus.Cooldown && outcome.RetryAfterSeconds <= Tight.ResendCooldownSeconds,
                $"the owner was refused ({outcome}) for longer than the cooldown by the attacker's requests");
        }
    }

    private static bool OwnerIsFresh(Log log, long now) =>
        !log.Sends.Any(s => s.Client == Owner && s.At > now - 3600)
        && log.Requests.Count(r => r.Client == Owner && r.At / 3600 == now / 3600) < Tight.ClientMaxRequestsPerHour - 1;

    private static void Verify(RuleHarness h, Log log, string address, Kind kind)
    {
        var now = h.Now;
        var client = kind is Kind.OwnerVerify or Kind.OwnerTypo ? Owner : Attacker;
        var codes = h.Store.Codes(address);
        var newest = codes.Count > 0 ? codes[0] : null;
        var before = h.Store.Record(address);
        var submitted = (kind, newest) switch
        {
            (_, null) => "123456",
            (Kind.OwnerVerify, _) => h.CurrentCode(address),
            (Kind.AttackerStale, _) when log.Stale[address] is { } stale => stale.Code,
            _ => RuleHarness.Wrong(h.CurrentCode(address)),
        };
        var failuresThisHour = log.Failures.Count(f => f.Client == client && f.At / 3600 == now / 3600);
        var outcome = h.Verifier.VerifyAsync(address, submitted, client, default).GetAwaiter().GetResult();
        var after = h.Store.Record(address);
        if (outcome.Status is not (VerifyStatus.ClientLimited or VerifyStatus.Verified or VerifyStatus.Superseded))
        {
            log.Failures.Add((client, now));
        }

        if (outcome.Status == VerifyStatus.Verified)
        {
            Assert.NotNull(newest);
            Assert.True(log.Verified.Add((address, newest.ExpiresAt)), "a code verified twice");
            Assert.True(newest.ExpiresAt >= now, "verified after expiry");
            Assert.True(before.GuessesBy(h.Tagger.Client(client)) < Tight.MaxAttempts, "verified after the client's attempt limit");
            Assert.True(before.Attempts < Tight.MaxAttemptsAllClients || AbuseLimits.IsOwner(before, h.Tagger.Client(client), now), "verified after the attempt limit for all clients by a client not in the owner lane");
            Assert.Equal(h.CurrentCode(address), submitted);
        }

        // Superseded: only for the unexpired code of an earlier mail, and it counts against nothing.
        var stalePrevious = kind == Kind.AttackerStale && log.Stale[address] is { } earlier && earlier.Code == submitted ? earlier : ((string Code, long ExpiresAt)?)null;
        if (outcome.Status == VerifyStatus.Superseded)
        {
            Assert.NotNull(stalePrevious);
            Assert.True(stalePrevious.Value.ExpiresAt >= now, "an expired earlier code answered superseded");
            Assert.NotEqual(h.CurrentCode(address), submitted);
            Assert.Equal(before.Attempts, after.Attempts);
            Assert.Equal(before.GuessesBy(h.Tagger.Client(client)), after.GuessesBy(h.Tagger.Client(client)));
        }

        // A live earlier code, while the newest is open to this client, is always told apart from a wrong guess.
        if (stalePrevious is { } live && live.ExpiresAt >= now && live.Code != h.CurrentCode(address) && newest!.ExpiresAt == before.Newest
            && before.Newest >= now && before.UsedAt is null && before.GuessesBy(h.Tagger.Client(client)) < Tight.MaxAttempts
            && before.Attempts < Tight.MaxAttemptsAllClients && failuresThisHour < Tight.ClientMaxFailuresPerHour)
        {
            Assert.Equal(VerifyStatus.Superseded, outcome.Status);
        }

        if (outcome.Status == VerifyStatus.WrongCode)
        {
            Assert.NotEqual(h.CurrentCode(address), submitted);
            if (newest!.Digits == Tight.CodeLength)
            {
                log.ShortCodeWrongGuesses[address]++;
            }
        }

        // The owner's lockout bound at verify: the owner, with the newest mailed code, in time,
        // not over its own limits, always gets in, whatever the attacker guessed before.
        if (kind == Kind.OwnerVerify && newest is not null && newest.ExpiresAt >= now && newest.ExpiresAt == before.Newest
            && before.UsedAt is null && before.GuessesBy(h.Tagger.Client(Owner)) < Tight.MaxAttempts
            && failuresThisHour < Tight.ClientMaxFailuresPerHour)
        {
            Assert.Equal(VerifyStatus.Verified, outcome.Status);
        }
    }

    private static void CheckCaps(RuleHarness h, Log log, long started)
    {
        var addressBucket = Gcra.PerHour(Tight.MaxSendsPerHour);
        var clientBucket = Gcra.PerHour(Tight.ClientMaxSendsPerAddressPerHour);
        foreach (var address in new[] { Victim, Other })
        {
            var sends = log.Sends.Where(s => s.Address == address).ToList();
            for (var i = 0; i < sends.Count; i++)
            {
                Assert.True(i == 0 || sends[i].At - sends[i - 1].At >= Tight.ResendCooldownSeconds, "a send inside the cooldown");
                for (var j = i; j < sends.Count; j++)
                {
                    // GCRA's guarantee: over any span, at most a burst plus one per interval.
                    // Owner-lane sends are the owner's own share only, outside the address's bucket.
                    var span = sends[j].At - sends[i].At;
                    var shared = sends.Skip(i).Take(j - i + 1).Count(s => !s.OwnerLane);
                    Assert.True(shared <= addressBucket.Burst + (span / addressBucket.IntervalSeconds), "more sends to an address than its bucket allows");
                    var byClient = sends.Skip(i).Take(j - i + 1).GroupBy(s => s.Client).Max(g => g.Count());
                    Assert.True(byClient <= clientBucket.Burst + (span / clientBucket.IntervalSeconds), "more sends from one client to an address than its share");
                }
            }

            var record = h.Store.Record(address);
            // Past the all-clients limit only owners' own tries count on.
            Assert.InRange(record.Attempts, 0, Tight.MaxAttemptsAllClients + record.Guesses.Where(g => record.Owners.ContainsKey(g.Key)).Sum(g => g.Value));
            Assert.All(record.Guesses.Values, g => Assert.InRange(g, 1, Tight.MaxAttempts));
            // The guess bound: wrong guesses at short codes never exceed the threshold, one code's
            // tries for all clients (and the owner's own, in its lane), and what forgiveness has
            // given back since the start.
            Assert.True(log.ShortCodeWrongGuesses[address] <= Tight.FailuresBeforeLongCodes + Tight.MaxAttemptsAllClients + Tight.MaxAttempts + ((h.Now - started) / Tight.FailureForgiveSeconds),
                "more wrong guesses at short codes than the escalation allows");
        }

        foreach (var hour in log.Requests.GroupBy(r => (r.Client, r.At / 3600)))
        {
            Assert.True(hour.Count() <= Tight.ClientMaxRequestsPerHour, "more requests from a client in an hour than its limit");
        }

        foreach (var hour in log.Failures.GroupBy(f => (f.Client, f.At / 3600)))
        {
            Assert.True(hour.Count() <= Tight.ClientMaxFailuresPerHour, "more failed verifications from a client in an hour than its limit");
        }

        foreach (var minute in log.Sends.GroupBy(s => s.At / 60))
        {
            Assert.True(minute.Count() <= Tight.MaxSendsPerMinute, "more codes in a minute than the global budget");
        }
    }
}
