using Microsoft.Extensions.Time.Testing;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

public class InvocationBudgetTests
{
    [Theory]
    [InlineData(3, 2.0, 0.25, 0.5)]
    [InlineData(10, 9.0, 1.125, 1.8)]
    [InlineData(30, 27.0, 2.0, 5.0)]
    [InlineData(900, 810.0, 2.0, 5.0)]
    public void ForTimeout_LeavesAMarginAndFitsTheClientTimeoutsInside(int timeoutSeconds, double budget, double dynamoAttempt, double ses)
    {
        var b = InvocationBudget.ForTimeout(timeoutSeconds);

        Assert.Equal(TimeSpan.FromSeconds(budget), b.Budget);
        Assert.Equal(TimeSpan.FromSeconds(dynamoAttempt), b.DynamoDbAttemptTimeout);
        Assert.Equal(TimeSpan.FromSeconds(ses), b.SesCallTimeout);
        // One DynamoDB call (every attempt timing out, plus the SDK's backoff) always fits in the budget.
        Assert.True(b.DynamoDbCallLimit < b.Budget, $"{b.DynamoDbCallLimit} < {b.Budget}");
        Assert.Equal(b.DynamoDbAttemptTimeout * 2 + TimeSpan.FromSeconds(1), b.DynamoDbCallLimit);
        Assert.Equal(b.DynamoDbCallLimit * 2 + b.SesCallTimeout, b.MailRecordAllowance);
    }

    [Theory]
    [InlineData(3, 0.25, 0.25)]
    [InlineData(10, 1.125, 0.9)]
    [InlineData(30, 2.0, 1.0)]
    [InlineData(900, 2.0, 1.0)]
    public void ForTimeout_FitsTheTokenCallsInside(int timeoutSeconds, double kmsAttempt, double secretsRefresh)
    {
        var b = InvocationBudget.ForTimeout(timeoutSeconds);

        Assert.Equal(TimeSpan.FromSeconds(kmsAttempt), b.KmsAttemptTimeout);
        Assert.Equal(TimeSpan.FromSeconds(secretsRefresh), b.SecretsManagerRefreshTimeout);
        Assert.Equal(b.KmsAttemptTimeout * 2 + TimeSpan.FromSeconds(1), b.KmsCallLimit);
        // A key-ring refresh, then a KMS Sign (every attempt timing out), both fit in the budget.
        Assert.True(b.SecretsManagerRefreshTimeout + b.KmsCallLimit < b.Budget, $"{b.SecretsManagerRefreshTimeout} + {b.KmsCallLimit} < {b.Budget}");
    }

    [Theory]
    // The local runner's default (60 s, no cap below the shares): a slow emulator gets 6.75 s per DynamoDB attempt, not 2 s.
    [InlineData(60, 60, 6.75, 10.8, 6.75, 5.4)]
    // The tests' (Patience): 13.5 s per attempt.
    [InlineData(120, 120, 13.5, 21.6, 13.5, 10.8)]
    // A cap below the shares caps every client timeout.
    [InlineData(120, 3, 3.0, 3.0, 3.0, 3.0)]
    // A short budget is still shared out as without a cap: a hang is a hang at any cap.
    [InlineData(3, 60, 0.25, 0.5, 0.25, 0.25)]
    public void ForTimeout_WithACap_ReplacesTheAwsCaps_AndEveryCallStillFitsTheBudget(
        int timeoutSeconds, int capSeconds, double dynamoAttempt, double ses, double kmsAttempt, double secretsRefresh)
    {
        var b = InvocationBudget.ForTimeout(timeoutSeconds, capSeconds);

        Assert.Equal(InvocationBudget.ForTimeout(timeoutSeconds).Budget, b.Budget);
        Assert.Equal(
            (TimeSpan.FromSeconds(dynamoAttempt), TimeSpan.FromSeconds(ses), TimeSpan.FromSeconds(kmsAttempt), TimeSpan.FromSeconds(secretsRefresh), TimeSpan.FromSeconds(dynamoAttempt)),
            (b.DynamoDbAttemptTimeout, b.SesCallTimeout, b.KmsAttemptTimeout, b.SecretsManagerRefreshTimeout, b.KeyReadTimeout));
        Assert.True(b.DynamoDbCallLimit < b.Budget, $"{b.DynamoDbCallLimit} < {b.Budget}");
        Assert.True(b.SecretsManagerRefreshTimeout + b.KmsCallLimit < b.Budget, $"{b.SecretsManagerRefreshTimeout} + {b.KmsCallLimit} < {b.Budget}");
        if (timeoutSeconds >= 8)
        {
            Assert.True(b.MailRecordAllowance <= b.Budget, $"{b.MailRecordAllowance} <= {b.Budget}");
        }
    }

    [Fact]
    public void MailRecordAllowance_FitsTheBudgetFromEightSecondsOn()
    {
        Assert.True(InvocationBudget.ForTimeout(7).MailRecordAllowance > InvocationBudget.ForTimeout(7).Budget);
        Assert.All(Enumerable.Range(8, 893), t => Assert.True(InvocationBudget.ForTimeout(t).MailRecordAllowance <= InvocationBudget.ForTimeout(t).Budget, $"{t} s"));
    }

    [Fact]
    public void Deadline_EndsAfterTheBudget_AndCancelsItsToken()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        using var deadline = InvocationBudget.ForTimeout(10).Start(clock);

        Assert.Equal(clock.GetUtcNow().AddSeconds(9), deadline.End);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(5), deadline.Remaining);
        Assert.True(deadline.CanCover(TimeSpan.FromSeconds(5)));
        Assert.False(deadline.CanCover(TimeSpan.FromSeconds(5.001)));
        Assert.False(deadline.Token.IsCancellationRequested);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(deadline.Token.IsCancellationRequested);
        Assert.True(deadline.Expired);
        Assert.Equal(TimeSpan.Zero, deadline.Remaining);
    }

    [Fact]
    public void Deadline_LongPast_HasZeroLeft_NeverANegativeTime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        using var deadline = InvocationBudget.ForTimeout(10).Start(clock);

        clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(TimeSpan.Zero, deadline.Remaining);
        Assert.True(deadline.CanCover(TimeSpan.Zero));
        Assert.False(deadline.CanCover(TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public void Deadline_UsesLambdasOwnDeadline_WhenTheRuntimeGivesAnEarlierOne()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var lambdaDeadline = clock.GetUtcNow().AddSeconds(5);

        using (RuntimeDeadline.Set(lambdaDeadline))
        {
            using var deadline = InvocationBudget.ForTimeout(10).Start(clock);
            Assert.Equal(lambdaDeadline.AddSeconds(-1), deadline.End);
        }

        using (RuntimeDeadline.Set(clock.GetUtcNow().AddSeconds(60)))
        {
            using var deadline = InvocationBudget.ForTimeout(10).Start(clock);
            Assert.Equal(clock.GetUtcNow().AddSeconds(9), deadline.End);
        }

        Assert.Null(RuntimeDeadline.Current);
    }

    // A 10 s function answers by 9 s (its budget), keeping 1 s for the answer: with Lambda's own
    // deadline in, the end is that deadline less the same 1 s, when that comes first. The cases
    // either side of "now + the function timeout" tell the reserve apart from its sign and size.
    [Theory]
    [InlineData(5_000, 4_000)]
    [InlineData(9_500, 8_500)]
    [InlineData(10_000, 9_000)]
    [InlineData(10_500, 9_000)]
    [InlineData(12_000, 9_000)]
    public void Deadline_KeepsTheAnswersReserveBeforeLambdasOwnDeadline(int lambdaDeadlineMs, int expectedEndMs)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var now = clock.GetUtcNow();
        using var _ = RuntimeDeadline.Set(now.AddMilliseconds(lambdaDeadlineMs));

        using var deadline = InvocationBudget.ForTimeout(10).Start(clock);

        Assert.Equal(now.AddMilliseconds(expectedEndMs), deadline.End);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedEndMs), deadline.Remaining);
    }

    [Fact]
    public void Deadline_AlreadyPast_IsExpiredAtOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        using var _ = RuntimeDeadline.Set(clock.GetUtcNow());

        using var deadline = InvocationBudget.ForTimeout(10).Start(clock);

        Assert.True(deadline.Expired);
        Assert.False(deadline.CanCover(TimeSpan.FromMilliseconds(1)));
    }
}
