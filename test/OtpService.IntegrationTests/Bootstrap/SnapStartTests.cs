using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Bootstrap;

/// <summary>
/// SnapStart in our own runtime loop, step by step against the Runtime API stand-in, as
/// Amazon.Lambda.RuntimeSupport does it (LambdaBootstrap.cs, SnapstartHelperInitializeWithSnapstartIsolatedAsync.cs):
/// with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start, init, the before-snapshot hooks (reverse order),
/// <c>GET /runtime/restore/next</c> (returns in the restored copy), the after-restore hooks (in order),
/// then events; failures to <c>/init/error</c> (Runtime.BeforeSnapshotError) or <c>/restore/error</c>
/// (Runtime.AfterRestoreError). And what a restored copy must do first: no AWS call on a connection
/// from before the snapshot (a real proxy in front of dynalite turns those into black holes).
/// </summary>
public sealed class SnapStartTests : RuntimeApiTestBase
{
    private static readonly TimeSpan Wait = Patience.Wait;

    public override async Task DisposeAsync()
    {
        // A test that never restored leaves the loop waiting on restore/next: let it return.
        Api.Restore();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task OnDemand_NeverWaitsForARestore_NorRunsTheHooks()
    {
        var steps = new ConcurrentQueue<string>();
        Api.Enqueue(new FakeInvocation("one", "{}"u8.ToArray()));

        var exit = await RunUntilIdleAsync(Recording(steps), invocations: 1);

        Assert.Equal(0, exit);
        Assert.Equal(["init", "invoke"], steps);
        Assert.Equal(0, Api.RestoreCalls);
        Assert.Equal(["GET invocation/next", "POST response", "GET invocation/next"], Api.Calls);
    }

    [Fact]
    public async Task SnapStart_BeforeSnapshotHooksInReverse_ThenRestoreNext_ThenAfterRestoreHooksInOrder_ThenEvents()
    {
        var steps = new ConcurrentQueue<string>();
        Api.Enqueue(new FakeInvocation("first", "{}"u8.ToArray()));

        var run = RunUntilIdleAsync(Recording(steps), invocations: 1, snapStart: true);
        await WaitUntilAsync(() => Api.RestoreCalls == 1);

        // Waiting in /restore/next: the snapshot may be taken now; no event has been asked for.
        Assert.Equal(["init", "before 2", "before 1"], steps);
        Assert.Equal(0, Api.NextCalls);

        steps.Enqueue("restored");
        Api.Restore();
        Assert.Equal(0, await run.WaitAsync(Wait));

        Assert.Equal(["init", "before 2", "before 1", "restored", "after 1", "after 2", "invoke"], steps);
        Assert.Equal(["GET restore/next", "GET invocation/next", "POST response", "GET invocation/next"], Api.Calls);
    }

    [Fact]
    public async Task SnapStart_ABeforeSnapshotFailure_GoesToInitError_AndNoSnapshotIsOffered()
    {
        var exit = await LambdaRuntime.RunAsync(Client, hooks =>
        {
            hooks.RegisterBeforeSnapshot(_ => throw new InvalidOperationException("warm-up broke"));
            return _ => Task.FromResult<Stream>(new MemoryStream());
        }, TextWriter.Null, snapStart: true, TimeProvider.System, CancellationToken.None).WaitAsync(Wait);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal(("init/error", "Runtime.BeforeSnapshotError"), (post.Kind, post.ErrorType));
        using var body = JsonDocument.Parse(post.Text);
        Assert.Equal(("InvalidOperationException", "warm-up broke"), (body.RootElement.GetProperty("errorType").GetString(), body.RootElement.GetProperty("errorMessage").GetString()));
        Assert.Equal(0, Api.RestoreCalls);
        Assert.Equal(0, Api.NextCalls);
    }

    [Fact]
    public async Task SnapStart_AnAfterRestoreFailure_GoesToRestoreError_AndNoEventIsTaken()
    {
        var log = new StringWriter();
        Api.Restore();

        var exit = await LambdaRuntime.RunAsync(Client, hooks =>
        {
            hooks.RegisterAfterRestore(_ => throw new TimeoutException("could not reconnect"));
            return _ => Task.FromResult<Stream>(new MemoryStream());
        }, log, snapStart: true, TimeProvider.System, CancellationToken.None).WaitAsync(Wait);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal(("restore/error", "Runtime.AfterRestoreError"), (post.Kind, post.ErrorType));
        Assert.Contains("could not reconnect", post.Text, StringComparison.Ordinal);
        Assert.Contains("\"after_restore_error\"", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(["GET restore/next", "POST restore/error"], Api.Calls);
    }

    /// <summary>
    /// The reconnect step, with the real SDK client the functions build (OtpServices, DynamoDB on
    /// dynalite behind <see cref="SnapshotProxy"/>): init reads the table (a pooled connection), the
    /// restore makes that connection a black hole, and the first call after the restore must not
    /// send a byte on it. Without the renewal LambdaHost registers, the SDK reuses the pooled
    /// connection and waits there until its attempt times out.
    /// </summary>
    [Fact]
    public async Task SnapStart_AfterTheRestore_NoAwsCallGoesOutOnAConnectionPooledBeforeTheSnapshot()
    {
        var emulators = await EmulatorFixture.StartedAsync();
        var table = await emulators.CreateTableAsync();
        await using var proxy = new SnapshotProxy(emulators.DynamoDbEndpoint);
        var environment = new Dictionary<string, string>(emulators.LambdaEnvironment(table))
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Url.ToString().TrimEnd('/'),
        };
        var function = new LambdaFunction("Reader", (_, _) =>
        {
            var store = new OtpServices(ServiceConfiguration.Read(name => environment.GetValueOrDefault(name)), TimeProvider.System).CreateStore();
            // Init's own call: it leaves a connection in the pool, as init's key reads and the warm-up do.
            store.LoadAddressAsync("before@example.com", CancellationToken.None).GetAwaiter().GetResult();
            return async _ =>
            {
                var state = await store.LoadAddressAsync("after@example.com", CancellationToken.None);
                return new MemoryStream(Encoding.UTF8.GetBytes($"{{\"version\":{state.Version}}}"));
            };
        });
        Api.Enqueue(new FakeInvocation("after-restore", "{}"u8.ToArray()));

        environment[LambdaHost.HandlerVariable] = "Reader";
        var run = RunUntilIdleAsync(hooks => LambdaHost.Init([function], environment.GetValueOrDefault, handlerMayBeUnset: false, hooks, TimeProvider.System), invocations: 1, snapStart: true);
        await WaitUntilAsync(() => Api.RestoreCalls == 1);
        Assert.True(proxy.Connections >= 1, "init's read should have opened a connection through the proxy");

        proxy.Cut();
        Api.Restore();
        Assert.Equal(0, await run.WaitAsync(Wait));

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(("response", "{\"version\":0}"), (post.Kind, post.Text));
        Assert.Equal(0, proxy.BytesSentOnCutConnections);
        Assert.True(proxy.ConnectionsSinceCut >= 1, "the call after the restore should have opened a new connection");
    }

    private static Func<SnapshotHooks, Func<Stream, Task<Stream>>> Recording(ConcurrentQueue<string> steps) => hooks =>
    {
        steps.Enqueue("init");
        hooks.RegisterBeforeSnapshot(_ => Step(steps, "before 1"));
        hooks.RegisterBeforeSnapshot(_ => Step(steps, "before 2"));
        hooks.RegisterAfterRestore(_ => Step(steps, "after 1"));
        hooks.RegisterAfterRestore(_ => Step(steps, "after 2"));
        return _ =>
        {
            steps.Enqueue("invoke");
            return Task.FromResult<Stream>(new MemoryStream("{}"u8.ToArray()));
        };
    };

    private static Task Step(ConcurrentQueue<string> steps, string name)
    {
        steps.Enqueue(name);
        return Task.CompletedTask;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
