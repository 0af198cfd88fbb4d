using OtpService.Core.Aws;
using OtpService.Tests.Support;
using System.Text;
using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The read-on-need rule behind issue 19 item 6 (init never fails for a key store): one read at a
/// time, shared by concurrent callers; a failed read is read again by the next caller; a caller
/// that finds someone else's read failing gets one of its own; a caller's deadline stops its wait,
/// not the read. The reads here are delegates that fail or wait on command: the real stores and
/// sockets are in Integration/InitFailureTests.
/// </summary>
public class DeferredKeyTests
{
    private static readonly DependencyException Down = Failures.KeySource("Secrets Manager GetSecretValue failed: connection refused.", "ConnectionFailure");

    [Fact]
    public async Task AKnownKey_IsThereWithoutARead()
    {
        var key = DeferredKey.Known("k");

        Assert.Equal("k", key.Value);
        Assert.Equal("k", await key.GetAsync(default));
        Assert.Null(key.Wait(TimeSpan.Zero));
    }

    [Fact]
    public async Task AFailedRead_FailsItsCaller_AndTheNextCallerReadsAgain()
    {
        var reads = 0;
        var key = new DeferredKey<string>(_ => ++reads == 1 ? throw Down : Task.FromResult("k"));

        await key.Start().ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.Same(Down, key.Wait(TimeSpan.FromSeconds(30)));
        Assert.Null(key.Value);

        Assert.Equal("k", await key.GetAsync(default));
        Assert.Equal("k", await key.GetAsync(default));
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task ConcurrentCallers_ShareOneRead()
    {
        var reads = 0;
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new DeferredKey<string>(_ =>
        {
            Interlocked.Increment(ref reads);
            return release.Task;
        });

        _ = key.Start();
        var callers = Enumerable.Range(0, 8).Select(_ => key.GetAsync(default).AsTask()).ToList();
        release.SetResult("k");

        Assert.All(await Task.WhenAll(callers), v => Assert.Equal("k", v));
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task ACallerThatFindsARunningReadFail_MakesOneReadOfItsOwn()
    {
        var reads = 0;
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new DeferredKey<string>(_ => Interlocked.Increment(ref reads) == 1 ? first.Task : Task.FromResult("k"));
        _ = key.Start();

        var waiting = key.GetAsync(default).AsTask();
        first.SetException(Down);

        Assert.Equal("k", await waiting);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task ACallerThatFindsARunningReadCancelled_MakesOneReadOfItsOwn()
    {
        // A read can end cancelled without the caller's deadline (an SDK call's own timeout
        // surfaces as a TaskCanceledException): that is the read's failure, not this caller's.
        var reads = 0;
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new DeferredKey<string>(_ => Interlocked.Increment(ref reads) == 1 ? first.Task : Task.FromResult("k"));
        _ = key.Start();

        var waiting = key.GetAsync(default).AsTask();
        first.SetCanceled();

        Assert.Equal("k", await waiting);
        Assert.Equal(2, reads);
    }

    [Fact]
    public void AReadThatFailsTwiceOver_ReportsBothFailures_AndOneFailureAsItself()
    {
        var other = Failures.KeySource("KMS GetPublicKey failed: connection refused.", "ConnectionFailure");
        var both = new TaskCompletionSource<string>();
        both.SetException([Down, other]);
        var twice = new DeferredKey<string>(_ => both.Task);
        _ = twice.Start();

        var reported = Assert.IsType<AggregateException>(twice.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal([Down, other], reported.InnerExceptions);

        var once = new DeferredKey<string>(_ => Task.FromException<string>(Down));
        _ = once.Start();
        Assert.Same(Down, once.Wait(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task TheCallersDeadline_StopsItsWait_NotTheRead()
    {
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new DeferredKey<string>(_ => release.Task);
        using var deadline = new CancellationTokenSource();
        var waiting = key.GetAsync(deadline.Token).AsTask();

        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Null(key.Wait(TimeSpan.Zero)); // still running
        release.SetResult("k");

        Assert.Equal("k", await key.GetAsync(default));
        Assert.Equal("k", key.Value);
    }

    [Fact]
    public async Task AfterARead_StartGivesTheKey_WithoutReadingAgain()
    {
        var reads = 0;
        var key = new DeferredKey<string>(_ => Task.FromResult(++reads + "k"));

        Assert.Equal("1k", await key.Start());
        Assert.Equal("1k", await key.Start());
        Assert.Equal("1k", key.Value);
        Assert.Equal(1, reads);
    }

    [Fact]
    public void AKeyNeverStarted_HasNoValue_AndWaitingForItReturnsAtOnce()
    {
        var key = new DeferredKey<string>(_ => Task.FromResult("k"));

        Assert.Null(key.Value);
        Assert.Null(key.Wait(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void AReadStillRunning_WhenTheWaitEnds_IsNoFailure()
    {
        var key = new DeferredKey<string>(_ => new TaskCompletionSource<string>().Task);
        _ = key.Start();

        Assert.Null(key.Wait(TimeSpan.FromMilliseconds(1)));
        Assert.Null(key.Value);
    }

    [Fact]
    public void NullReadsAndKeys_AreRefused_NamingThem()
    {
        Assert.Equal("read", Assert.Throws<ArgumentNullException>(() => new DeferredKey<string>((Func<CancellationToken, Task<string>>)null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => DeferredKey.Known<string>(null!)).ParamName);
    }

    [Fact]
    public async Task ACodeKeyRingNotReadYet_FailsDerivation_AsTheStoresFailure_UntilARefreshReadsIt()
    {
        var reads = 0;
        var ring = new OtpKeyRing(new OtpKey("v1", Encoding.UTF8.GetBytes(new string('k', 32))));
        var codes = new CodeDerivation(new DeferredKey<OtpKeyRing>(_ => ++reads == 1 ? throw Down : Task.FromResult(ring)), TimeProvider.System);

        Failures.Throws(Dependency.SecretsManager, FailureKind.Transient, () => _ = codes.CurrentKeyVersion);
        Assert.Same(Down, await Record.ExceptionAsync(() => codes.RefreshAsync(null, default).AsTask()));
        await codes.RefreshAsync(null, default);

        Assert.Equal("v1", codes.CurrentKeyVersion);
        Assert.Equal(6, codes.Derive("v1", "a@example.com", new byte[16], 6).Length);
    }

    [Fact]
    public async Task AClientKeyNotReadYet_FailsTagging_UntilClientAsyncReadsIt()
    {
        var reads = 0;
        var tagger = new ClientTagger(new DeferredKey<byte[]>(_ => ++reads == 1 ? throw Down : Task.FromResult(new byte[32])));

        Failures.Throws(Dependency.SecretsManager, FailureKind.Transient, () => tagger.Client("203.0.113.7"));
        Assert.Same(Down, await Record.ExceptionAsync(() => tagger.ClientAsync("203.0.113.7", default).AsTask()));

        Assert.Equal(new ClientTagger(new byte[32]).Client("203.0.113.7"), await tagger.ClientAsync("203.0.113.7", default));
    }
}
