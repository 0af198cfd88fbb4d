using System.Text;
using OtpService.Core.Rules;
using OtpService.Tests.Support;

namespace OtpService.Benchmarks;

/// <summary>
/// The abuse limits under attack, over the real rules (<see cref="OtpIssuer"/>,
/// <see cref="OtpVerifier"/>) on the tests' faithful in-memory store with a simulated clock.
/// One victim address; an attacker model acts every simulated minute as hard as the limits let
/// it (request a code for the victim, then guess at the newest code until refused, following
/// Retry-After); optionally the owner signs in normally a few times a day from their own IP,
/// and did once before the attack began (so that IP is in the address's owner lane).
/// Figures per model:
/// - owner_lockout_minutes_per_day: of the minutes of the first simulated days, those in which an
///   owner who starts signing in (from an IP the attacker does not use) does not get in within
///   five minutes, following the answers (wait Retry-After, type the newest mail's code 30 s
///   after asking, ask again when told). Each minute is tried on a copy of the world, in which
///   the attacker goes on acting.
/// - guess_success_per_year: the chance that the attacker's guesses over a simulated year hit a
///   code of the victim: the sum over every guess the rules judged of 10^-digits of the code it
///   was judged against (a union bound, so an upper bound).
/// </summary>
internal static class AbuseSimulation
{
    private const string Victim = "victim@example.com";
    private const string OwnerIp = "198.51.100.77";
    private const int PatienceSeconds = 300;
    private const int TypingSeconds = 30;

    public sealed record Model(string Name, int Clients, int BotsPerMinute, bool OwnerSignsIn);

    public static readonly Model[] Models =
    [
        new("one_client", 1, 1, OwnerSignsIn: false),
        new("one_client_owner_signs_in", 1, 1, OwnerSignsIn: true),
        new("botnet_1000", 1000, 10, OwnerSignsIn: false),
        new("botnet_1000_owner_signs_in", 1000, 10, OwnerSignsIn: true),
    ];

    public sealed record Result(Model Model, double LockoutMinutesPerDay, double GuessSuccessPerYear, long JudgedGuesses, long ShortCodeGuesses, int OwnerSignIns, int OwnerSignInFailures);

    public static Result Run(Model model, OtpSettings settings, int probedDays, int simulatedDays, int seed)
    {
        var world = new World(settings, model, new Random(seed));
        long lockedMinutes = 0;
        var ownerSignIns = 0;
        var ownerFailures = 0;
        var random = new Random(seed + 1);
        var ownerMinutes = new HashSet<int>();
        if (model.OwnerSignsIn && !world.OwnerSignsIn())
        {
            throw new InvalidOperationException("The owner's sign-in before the attack failed.");
        }

        for (var day = 0; day < simulatedDays; day++)
        {
            ownerMinutes.Clear();
            while (model.OwnerSignsIn && ownerMinutes.Count < 4)
            {
                ownerMinutes.Add(random.Next(7 * 60, 23 * 60));
            }

            // Every minute while minutes are probed; after that the attacker acts every five
            // minutes, which still spends every hourly limit (and keeps a year's run short).
            var step = day < probedDays ? 1 : 5;
            var dayEnd = world.Clock.Now + 86_400;
            for (var minute = 0; world.Clock.Now < dayEnd; minute += step)
            {
                world.AttackerTick();
                if (day < probedDays && !world.Clone().OwnerSignsIn())
                {
                    lockedMinutes++;
                }

                if (Enumerable.Range(minute, step).Any(ownerMinutes.Contains))
                {
                    ownerSignIns++;
                    ownerFailures += world.OwnerSignsIn() ? 0 : 1;
                }

                world.Clock.Advance((step * 60) - (world.Clock.Now % 60));
            }

            world.Store.Expire(world.Clock.Now);
        }

        var perYear = world.GuessChance * 365.0 / simulatedDays;
        return new Result(model, (double)lockedMinutes / probedDays, perYear, world.JudgedGuesses, world.ShortCodeGuesses, ownerSignIns, ownerFailures);
    }

    /// <summary>
    /// A person signing in by the page with no attacker about: a mistyped address first, then the
    /// right one in two tabs, each tab using its "Send a new code" link once (the page holds the
    /// link for the resend cooldown after its own code); every refusal is waited out as the page
    /// counts it down. Returns the longest single wait in seconds (0: none) and the codes sent.
    /// </summary>
    public static (int LongestWaitSeconds, int CodesSent) PersonFollowingThePage(OtpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var clock = new SimClock(1_800_000_000);
        var issuer = new OtpIssuer(new InMemoryOtpStore { InterleaveIssueWrites = false }, settings, clock, World.Tagger);
        var longest = 0;
        var sent = 0;
        long Ask(string address)
        {
            while (true)
            {
                var outcome = issuer.IssueAsync(address, OwnerIp, default).GetAwaiter().GetResult();
                if (outcome.Status == GenerateStatus.Sent)
                {
                    sent++;
                    return clock.Now;
                }

                var wait = outcome.RetryAfterSeconds ?? 1;
                longest = Math.Max(longest, wait);
                clock.Advance(wait);
            }
        }

        void At(long time) => clock.Advance(Math.Max(0, time - clock.Now));

        Ask("vitcim@example.com");
        clock.Advance(10);
        var tabA = Ask(Victim);
        clock.Advance(5);
        var tabB = Ask(Victim);
        At(tabA + settings.ResendCooldownSeconds);
        Ask(Victim);
        At(tabB + settings.ResendCooldownSeconds);
        Ask(Victim);
        return (longest, sent);
    }

    /// <summary>A settable clock: the simulation moves it, the rules read it.</summary>
    private sealed class SimClock(long start) : TimeProvider
    {
        public long Now { get; private set; } = start;

        public void Advance(long seconds) => Now += seconds;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(Now);
    }

    private sealed class World
    {
        private static readonly CodeDerivation Codes = Derivations.Fixed(Encoding.UTF8.GetBytes("simulation-key-simulation-key-simulation-key"), TimeProvider.System);
        internal static readonly ClientTagger Tagger = new(Encoding.UTF8.GetBytes("simulation-client-key-simulation-client-key"));
        private readonly OtpSettings _settings;
        private readonly Model _model;
        private readonly OtpIssuer _issuer;
        private readonly OtpVerifier _verifier;
        private int _nextBot;

        public World(OtpSettings settings, Model model, Random random)
            : this(settings, model, new InMemoryOtpStore { InterleaveIssueWrites = false }, new SimClock(1_800_000_000 - (1_800_000_000 % 86_400)), random.Next(model.Clients))
        {
        }

        private World(OtpSettings settings, Model model, InMemoryOtpStore store, SimClock clock, int nextBot)
        {
            _settings = settings;
            _model = model;
            Store = store;
            Clock = clock;
            _nextBot = nextBot;
            _issuer = new OtpIssuer(store, settings, clock, Tagger);
            _verifier = new OtpVerifier(store, Codes, settings, clock, Tagger);
        }

        public InMemoryOtpStore Store { get; }
        public SimClock Clock { get; }
        public double GuessChance { get; private set; }
        public long JudgedGuesses { get; private set; }
        public long ShortCodeGuesses { get; private set; }

        public World Clone() => new(_settings, _model, Store.Clone(), new SimClock(Clock.Now), _nextBot);

        /// <summary>One minute's attack: each acting client asks for a code for the victim, then guesses at the newest code until refused.</summary>
        public void AttackerTick()
        {
            for (var b = 0; b < _model.BotsPerMinute; b++)
            {
                var ip = $"192.0.{_nextBot / 250}.{(_nextBot % 250) + 1}";
                _nextBot = (_nextBot + 1) % _model.Clients;
                _issuer.IssueAsync(Victim, ip, default).GetAwaiter().GetResult();
                for (var guess = 0; guess < _settings.MaxAttemptsAllClients; guess++)
                {
                    var codes = Store.Codes(Victim);
                    if (codes.Count == 0)
                    {
                        break;
                    }

                    var newest = codes[0];
                    var outcome = _verifier.VerifyAsync(Victim, Wrong(Codes.Derive(OtpKey.LocalVersion, Victim, newest.Nonce, newest.Digits)), ip, default).GetAwaiter().GetResult();
                    if (outcome.Status != VerifyStatus.WrongCode)
                    {
                        break;
                    }

                    JudgedGuesses++;
                    GuessChance += Math.Pow(10, -newest.Digits);
                    ShortCodeGuesses += newest.Digits == _settings.CodeLength ? 1 : 0;
                }
            }
        }

        /// <summary>The owner signs in as a person would, for up to five minutes; the attacker keeps acting every minute meanwhile.</summary>
        public bool OwnerSignsIn()
        {
            var deadline = Clock.Now + PatienceSeconds;
            while (Clock.Now <= deadline)
            {
                var asked = _issuer.IssueAsync(Victim, OwnerIp, default).GetAwaiter().GetResult();
                if (asked.Status != GenerateStatus.Sent)
                {
                    if (!WaitUntil(Clock.Now + (asked.RetryAfterSeconds ?? 1), deadline))
                    {
                        return false;
                    }

                    continue;
                }

                if (!WaitUntil(Clock.Now + TypingSeconds, deadline))
                {
                    return false;
                }

                var newest = Store.Codes(Victim)[0];
                var verified = _verifier.VerifyAsync(Victim, Codes.Derive(OtpKey.LocalVersion, Victim, newest.Nonce, newest.Digits), OwnerIp, default).GetAwaiter().GetResult();
                if (verified.Status == VerifyStatus.Verified)
                {
                    return true;
                }

                if (verified.RetryAfterSeconds is { } wait && !WaitUntil(Clock.Now + wait, deadline))
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>Moves the clock to <paramref name="until"/>, letting the attacker act at every minute boundary on the way.</summary>
        private bool WaitUntil(long until, long deadline)
        {
            if (until > deadline)
            {
                return false;
            }

            while (Clock.Now < until)
            {
                var nextMinute = Clock.Now - (Clock.Now % 60) + 60;
                if (nextMinute > until)
                {
                    Clock.Advance(until - Clock.Now);
                    break;
                }

                Clock.Advance(nextMinute - Clock.Now);
                AttackerTick();
            }

            return true;
        }

        private static string Wrong(string code) => code[0] == '9' ? "0" + code[1..] : (char)(code[0] + 1) + code[1..];
    }
}
