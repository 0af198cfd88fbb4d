using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The limit arithmetic at its edges, as pure functions of the records: GCRA intervals and
/// waits, the cooldown's last second, the buckets' refill, forgiveness counted from the right
/// time, the record's TTL and the fixed windows' ends.
/// </summary>
public class AbuseLimitsTests
{
    private const long Now = 1_800_000_000;
    private const string Me = "cMe";
    private static readonly OtpSettings Defaults = new();

    // Defaults: the address's bucket is 5 an hour (one per 720 s), a client's share 4 (one per 900 s).
    private static readonly Gcra AddressBucket = Gcra.PerHour(Defaults.MaxSendsPerHour);
    private static readonly Gcra ClientBucket = Gcra.PerHour(Defaults.ClientMaxSendsPerAddressPerHour);

    [Theory]
    [InlineData(5, 720)]
    [InlineData(7, 515)] // 3600 / 7 = 514.3, rounded up
    [InlineData(1, 3600)]
    [InlineData(3600, 1)]
    public void PerHour_SpreadsTheBurstOverTheHour_RoundingTheIntervalUp(int perHour, long interval) =>
        Assert.Equal(new Gcra(interval, perHour), Gcra.PerHour(perHour));

    [Theory]
    [InlineData(700, 100L)]
    [InlineData(799, 1L)]
    [InlineData(800, null)]
    [InlineData(900, null)]
    public void RetryAfter_IsTheTimeUntilTheBurstHasRoomForOneMore(long now, long? expected) =>
        Assert.Equal(expected, new Gcra(100, 3).RetryAfter(1000, now)); // 1000 - 2 * 100 = 800

    [Theory]
    [InlineData(0, 1000, 1100)] // never used: one interval from now
    [InlineData(900, 1000, 1100)] // refilled: counts from now, not from the old TAT
    [InlineData(2000, 1000, 2100)] // in debt: one interval more
    public void Take_AddsOneIntervalToTheLaterOfTheTatAndNow(long tat, long now, long expected) =>
        Assert.Equal(expected, new Gcra(100, 3).Take(tat, now));

    [Fact]
    public void Take_TheBurstThenOneMore_IsRefused_UntilOneIntervalHasPassed()
    {
        var gcra = new Gcra(100, 3);
        long tat = 0;
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(gcra.RetryAfter(tat, 1000));
            tat = gcra.Take(tat, 1000);
        }

        Assert.Equal(100, gcra.RetryAfter(tat, 1000));
        Assert.Null(gcra.RetryAfter(tat, 1100));
    }

    [Theory]
    [InlineData(0, 30L)]
    [InlineData(29, 1L)]
    [InlineData(30, null)]
    [InlineData(31, null)]
    public void SendRetryAfter_CountsTheCooldownToItsLastSecond(long elapsed, long? expected)
    {
        var state = AddressState.Empty with { LastSentAt = Now };

        Assert.Equal(expected, AbuseLimits.SendRetryAfter(state, Me, Now + elapsed, Defaults));
    }

    [Fact]
    public void SendRetryAfter_ForANeverSentAddress_IsNull_EvenAtTheStartOfTime()
    {
        // LastSentAt 0 means "never": no cooldown counted from the epoch.
        Assert.Null(AbuseLimits.SendRetryAfter(AddressState.Empty, Me, 5, Defaults));
    }

    [Fact]
    public void SendRetryAfter_WaitsForTheAddresssBucket_UnlessTheClientIsAnOwner()
    {
        // The address's bucket has room again 7 s from now.
        var state = AddressState.Empty with { SendTat = Now + 7 + (4 * AddressBucket.IntervalSeconds) };
        var owned = state with { Owners = new Dictionary<string, long> { [Me] = Now - 10 } };

        Assert.Equal(7, AbuseLimits.SendRetryAfter(state, Me, Now, Defaults));
        Assert.Null(AbuseLimits.SendRetryAfter(owned, Me, Now, Defaults));
        Assert.Equal(7, AbuseLimits.SendRetryAfter(owned, "cStranger", Now, Defaults));
    }

    [Fact]
    public void SendRetryAfter_WaitsForTheClientsOwnShare_OwnerOrNot_AndOnlyThatClient()
    {
        var state = AddressState.Empty with
        {
            Senders = new Dictionary<string, long> { [Me] = Now + 5 + ((ClientBucket.Burst - 1) * ClientBucket.IntervalSeconds) },
            Owners = new Dictionary<string, long> { [Me] = Now - 10 },
        };

        Assert.Equal(5, AbuseLimits.SendRetryAfter(state, Me, Now, Defaults));
        Assert.Null(AbuseLimits.SendRetryAfter(state, "cOther", Now, Defaults));
    }

    [Theory]
    [InlineData(20, 7, 3, 20)]
    [InlineData(3, 50, 9, 50)]
    [InlineData(3, 9, 60, 60)]
    public void SendRetryAfter_IsTheLongestOfTheWaits(long cooldownLeft, long addressWait, long clientWait, int expected)
    {
        var state = AddressState.Empty with
        {
            LastSentAt = Now + cooldownLeft - Defaults.ResendCooldownSeconds,
            SendTat = Now + addressWait + (4 * AddressBucket.IntervalSeconds),
            Senders = new Dictionary<string, long> { [Me] = Now + clientWait + ((ClientBucket.Burst - 1) * ClientBucket.IntervalSeconds) },
        };

        Assert.Equal(expected, AbuseLimits.SendRetryAfter(state, Me, Now, Defaults));
    }

    [Theory]
    [InlineData(20, 7, 3, SendLimit.Cooldown)]
    [InlineData(3, 50, 9, SendLimit.Address)]
    [InlineData(3, 9, 60, SendLimit.ClientShare)]
    [InlineData(20, 20, 3, SendLimit.Cooldown)]
    [InlineData(20, 3, 20, SendLimit.Cooldown)]
    [InlineData(3, 20, 20, SendLimit.Address)]
    public void SendWait_NamesTheLimitWithTheLongestWait_TheCooldownOnATie(long cooldownLeft, long addressWait, long clientWait, SendLimit expected)
    {
        var state = AddressState.Empty with
        {
            LastSentAt = Now + cooldownLeft - Defaults.ResendCooldownSeconds,
            SendTat = Now + addressWait + (4 * AddressBucket.IntervalSeconds),
            Senders = new Dictionary<string, long> { [Me] = Now + clientWait + ((ClientBucket.Burst - 1) * ClientBucket.IntervalSeconds) },
        };

        Assert.Equal(expected, AbuseLimits.SendWait(state, Me, Now, Defaults)?.Limit);
    }

    [Fact]
    public void AfterSend_StartsAFreshNewestCode_AndTakesBothBuckets()
    {
        var state = AddressState.Empty with
        {
            Version = 3,
            Newest = Now - 50,
            Attempts = 4,
            Guesses = new Dictionary<string, int> { ["cX"] = 2 },
            UsedAt = Now - 60,
            SendTat = Now + 100,
            LastSentAt = Now - 500,
            Senders = new Dictionary<string, long> { [Me] = Now + 40 },
        };

        var sent = AbuseLimits.AfterSend(state, Me, Now + 120, Now, Defaults);

        Assert.Equal(Now + 120, sent.Newest);
        Assert.Equal(0, sent.Attempts);
        Assert.Empty(sent.Guesses);
        Assert.Null(sent.UsedAt);
        Assert.Equal(Now + 100 + AddressBucket.IntervalSeconds, sent.SendTat);
        Assert.Equal(Now, sent.LastSentAt);
        Assert.Equal(new Dictionary<string, long> { [Me] = Now + 40 + ClientBucket.IntervalSeconds }, sent.Senders);
        Assert.Equal(3, sent.Version);
    }

    [Fact]
    public void AfterSend_ByAnOwner_LeavesTheAddresssBucket_ButTakesItsOwnShare()
    {
        var state = AddressState.Empty with
        {
            SendTat = Now + 100,
            Owners = new Dictionary<string, long> { [Me] = Now - 10 },
        };

        var sent = AbuseLimits.AfterSend(state, Me, Now + 120, Now, Defaults);

        Assert.Equal(Now + 100, sent.SendTat);
        Assert.Equal(Now + ClientBucket.IntervalSeconds, sent.Senders[Me]);
    }

    [Fact]
    public void AfterSend_DropsRefilledSenders_AndKeepsTheFifteenMostRecentOthers()
    {
        var senders = new Dictionary<string, long> { ["refilled"] = Now, ["cMe"] = Now + 1 };
        for (var i = 1; i <= 20; i++)
        {
            senders["c" + i] = Now + i;
        }

        var sent = AbuseLimits.AfterSend(AddressState.Empty with { Senders = senders }, Me, Now + 120, Now, Defaults);

        var expected = Enumerable.Range(6, 15).ToDictionary(i => "c" + i, i => Now + i);
        expected[Me] = Now + 1 + ClientBucket.IntervalSeconds;
        Assert.Equal(AbuseLimits.MaxTrackedSenders, sent.Senders.Count);
        Assert.Equal(expected, sent.Senders);
    }

    [Fact]
    public void AfterSend_ForgetsASenderWhoseShareHasRefilled_AndKeepsOneThatHasNot()
    {
        var senders = new Dictionary<string, long> { ["cRefilled"] = Now, ["cLive"] = Now + 1 };

        var sent = AbuseLimits.AfterSend(AddressState.Empty with { Senders = senders }, Me, Now + 120, Now, Defaults);

        Assert.Equal(new Dictionary<string, long> { ["cLive"] = Now + 1, [Me] = Now + ClientBucket.IntervalSeconds }, sent.Senders);
    }

    [Fact]
    public void AfterSend_KeepsOnlyTheFourMostRecentTrustedOwners()
    {
        var owners = Enumerable.Range(1, 6).ToDictionary(i => "o" + i, i => Now - (i * 10L));

        var sent = AbuseLimits.AfterSend(AddressState.Empty with { Owners = owners }, Me, Now + 120, Now, Defaults);

        Assert.Equal(Enumerable.Range(1, 4).ToDictionary(i => "o" + i, i => Now - (i * 10L)), sent.Owners);
    }

    [Fact]
    public void AfterSend_AppliesForgivenessToTheFailureLevel()
    {
        var settings = new OtpSettings { FailureForgiveSeconds = 100 };
        var state = AddressState.Empty with { Failures = 5, FailuresSince = Now - 250 };

        var sent = AbuseLimits.AfterSend(state, Me, Now + 120, Now, settings);

        Assert.Equal(3, sent.Failures);
        Assert.Equal(Now - 50, sent.FailuresSince);
    }

    [Theory]
    [InlineData(5, 1000, 1250, 3, 1200)] // two forgiven; the next counts from 1200, not from now
    [InlineData(2, 1000, 1250, 0, 1250)] // all forgiven: counts from now
    [InlineData(3, 1000, 1299, 1, 1200)]
    [InlineData(3, 1000, 1300, 0, 1300)]
    [InlineData(3, 1000, 1099, 3, 1000)]
    [InlineData(3, 1000, 900, 3, 1000)] // a clock behind the record forgives nothing and adds nothing
    [InlineData(0, 0, 1250, 0, 1250)]
    public void Forgive_OnePerPeriod_CountedFromWhenForgivenessStarted(long failures, long since, long now, long level, long from) =>
        Assert.Equal((level, from), AbuseLimits.Forgive(failures, since, now, 100));

    [Theory]
    [InlineData(9, 0, 6)]
    [InlineData(10, 0, 10)]
    [InlineData(11, 1, 10)] // one of eleven forgiven: still at the threshold
    [InlineData(11, 2, 6)]
    public void DigitsFor_LongCodesFromTheThreshold_AfterForgiveness(long failures, int periodsAgo, int digits)
    {
        var state = AddressState.Empty with { Failures = failures, FailuresSince = Now - (periodsAgo * (long)Defaults.FailureForgiveSeconds) };

        Assert.Equal(digits, AbuseLimits.DigitsFor(state, Now, Defaults));
    }

    public static TheoryData<string, AddressState, long> Keeps => new()
    {
        { "newest code", AddressState.Empty with { Newest = Now + 900, SendTat = Now + 10, LastSentAt = Now }, Now + 900 },
        { "address bucket", AddressState.Empty with { Newest = Now + 100, SendTat = Now + 2000, LastSentAt = Now }, Now + 2000 },
        {
            "latest sender",
            AddressState.Empty with { Newest = Now, Senders = new Dictionary<string, long> { ["a"] = Now + 3000, ["b"] = Now + 500 } },
            Now + 3000
        },
        { "forgiveness", AddressState.Empty with { Newest = Now, Failures = 3, FailuresSince = Now - 10 }, Now - 10 + (3L * Defaults.FailureForgiveSeconds) },
        { "cooldown", AddressState.Empty with { LastSentAt = Now + 5000 }, Now + 5000 + Defaults.ResendCooldownSeconds },
        {
            "latest owner",
            AddressState.Empty with { Newest = Now, Owners = new Dictionary<string, long> { ["a"] = Now - 100, ["b"] = Now - 5 } },
            Now - 5 + AbuseLimits.OwnerTrustSeconds
        },
    };

    [Theory]
    [MemberData(nameof(Keeps))]
    public void RecordKeepUntil_IsAnHourAfterTheLastThingARuleNeeds(string latest, AddressState state, long needed)
    {
        Assert.NotNull(latest);
        Assert.Equal(needed + 3600, AbuseLimits.RecordKeepUntil(state, Defaults));
    }

    [Theory]
    [InlineData(7200, 10_800)]
    [InlineData(7199, 7200)]
    [InlineData(10_799, 10_800)]
    public void ClientWindow_IsTheFixedHourHoldingNow(long now, long end) =>
        Assert.Equal(new WindowKey("client#cX", end), AbuseLimits.ClientWindow("cX", now));

    [Theory]
    [InlineData(120, 180)]
    [InlineData(179, 180)]
    [InlineData(180, 240)]
    public void BudgetWindow_IsTheFixedMinuteHoldingNow(long now, long end) =>
        Assert.Equal(new WindowKey("budget#sends", end), AbuseLimits.BudgetWindow(now));

    [Theory]
    [InlineData(120, 60)]
    [InlineData(179, 1)]
    [InlineData(180, 1)] // already closed: still a wait of one second, never zero
    [InlineData(500, 1)]
    public void UntilClosed_IsTheSecondsLeft_AtLeastOne(long now, int expected) =>
        Assert.Equal(expected, AbuseLimits.UntilClosed(new WindowKey("budget#sends", 180), now));

    [Fact]
    public void UntilClosed_BeyondAnIntsRange_IsCappedAtItsLargestValue() =>
        Assert.Equal(int.MaxValue, AbuseLimits.UntilClosed(new WindowKey("w", long.MaxValue), 0));

    [Fact]
    public void WindowKeepUntil_IsAnHourAfterTheWindowCloses() =>
        Assert.Equal(183_600, AbuseLimits.WindowKeepUntil(new WindowKey("client#cX", 180_000)));
}
