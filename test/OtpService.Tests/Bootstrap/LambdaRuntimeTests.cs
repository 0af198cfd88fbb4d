using System.Text;
using System.Text.Json;
using OtpService.Bootstrap;
using Xunit;

namespace OtpService.Tests.Bootstrap;

/// <summary>
/// The Native AOT bootstrap's Runtime API client and loop against a fake Runtime API on
/// 127.0.0.1: responses, handler errors, init errors and the Lambda-Runtime-* headers.
/// (The AOT publish itself is checked by the benchmark and the Makefile, not here.)
/// </summary>
public sealed class LambdaRuntimeTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private FakeRuntimeApi _api = null!;
    private RuntimeApiClient _client = null!;

    public Task InitializeAsync()
    {
        _api = FakeRuntimeApi.Start();
        _client = new RuntimeApiClient(_api.Address);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task Next_ReadsPayloadAndEveryLambdaRuntimeHeader()
    {
        _api.Enqueue(new FakeInvocation("req-1", "{\"a\":1}"u8.ToArray(), 1_741_806_238_123, "Root=1-abc;Sampled=1", "arn:aws:lambda:us-east-1:123456789012:function:f"));

        var invocation = await _client.NextAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal("req-1", invocation.RequestId);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(invocation.Payload));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_741_806_238_123), invocation.Deadline);
        Assert.Equal("Root=1-abc;Sampled=1", invocation.TraceId);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:f", invocation.InvokedFunctionArn);
    }

    [Fact]
    public async Task Loop_PostsTheHandlersAnswerToTheInvocationsResponseUrl()
    {
        _api.Enqueue(new FakeInvocation("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "{\"ping\":true}"u8.ToArray()));

        var exit = await RunAsync(() => Handle(input => "{\"echo\":" + input + "}"), invocations: 1);

        var post = await _api.NextPostAsync(Wait);
        Assert.Equal(0, exit);
        Assert.Equal("response", post.Kind);
        Assert.Equal("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", post.RequestId);
        Assert.Equal("{\"echo\":{\"ping\":true}}", post.Text);
        Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loop_SetsTheTraceIdOfEachInvocationAndClearsItWhenAbsent()
    {
        _api.Enqueue(new FakeInvocation("one", "{}"u8.ToArray(), TraceId: "Root=1-aaa;Parent=bbb;Sampled=1"));
        _api.Enqueue(new FakeInvocation("two", "{}"u8.ToArray(), TraceId: null));
        var seen = new List<string?>();

        await RunAsync(() => Handle(_ =>
        {
            seen.Add(Environment.GetEnvironmentVariable(LambdaLoop.TraceVariable));
            return "{}";
        }), invocations: 2);

        Assert.Equal(["Root=1-aaa;Parent=bbb;Sampled=1", null], seen);
        Assert.Equal("response", (await _api.NextPostAsync(Wait)).Kind);
        Assert.Equal("response", (await _api.NextPostAsync(Wait)).Kind);
    }

    [Fact]
    public async Task Loop_HandsEachInvocationsDeadlineToTheHandler_SoItsBudgetEndsBeforeLambdasTimeout()
    {
        // 30 s from now: the handler's budget (10 s timeout -> 9 s) ends first; 2 s from now: the header's deadline less the 1 s margin does.
        var far = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();
        var near = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds();
        _api.Enqueue(new FakeInvocation("far", "{}"u8.ToArray(), far));
        _api.Enqueue(new FakeInvocation("near", "{}"u8.ToArray(), near));
        var seen = new List<(DateTimeOffset? Deadline, TimeSpan Budget)>();

        await RunAsync(() => Handle(_ =>
        {
            using var deadline = OtpService.Core.Deadlines.InvocationBudget.ForTimeout(10).Start(TimeProvider.System);
            seen.Add((OtpService.Core.Deadlines.RuntimeDeadline.Current, deadline.Remaining));
            return "{}";
        }), invocations: 2);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(far), seen[0].Deadline);
        Assert.InRange(seen[0].Budget, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(9));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(near), seen[1].Deadline);
        Assert.InRange(seen[1].Budget, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Null(OtpService.Core.Deadlines.RuntimeDeadline.Current);
    }

    [Fact]
    public async Task Loop_ReportsAHandlerFailureAsThatInvocationsErrorWithoutItsMessage_AndGoesOn()
    {
        _api.Enqueue(new FakeInvocation("bad", "{}"u8.ToArray()));
        _api.Enqueue(new FakeInvocation("good", "{}"u8.ToArray()));
        var log = new StringWriter();
        var calls = 0;

        var exit = await RunAsync(() => Handle(_ => ++calls == 1 ? throw new InvalidOperationException("code 123456 for user@example.com") : "{\"ok\":true}"), invocations: 2, log);

        var error = await _api.NextPostAsync(Wait);
        Assert.Equal(0, exit);
        Assert.Equal("error", error.Kind);
        Assert.Equal("bad", error.RequestId);
        Assert.Equal("Function.Unhandled", error.ErrorType);
        using var body = JsonDocument.Parse(error.Text);
        Assert.Equal("InvalidOperationException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("InvalidOperationException", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, body.RootElement.GetProperty("stackTrace").GetArrayLength());
        Assert.DoesNotContain("123456", error.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("user@example.com", error.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("123456", log.ToString(), StringComparison.Ordinal);

        var next = await _api.NextPostAsync(Wait);
        Assert.Equal(("response", "good", "{\"ok\":true}"), (next.Kind, next.RequestId, next.Text));
    }

    [Fact]
    public async Task Loop_ReportsAFailedInitToInitError_AndEndsWithoutAskingForEvents()
    {
        var exit = await RunAsync(() => throw new InvalidOperationException("OTP_SENDER_ADDRESS must be set."), invocations: 1);

        var post = await _api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal("init/error", post.Kind);
        Assert.Equal("Runtime.InitError", post.ErrorType);
        using var body = JsonDocument.Parse(post.Text);
        Assert.Equal("InvalidOperationException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("OTP_SENDER_ADDRESS must be set.", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("stackTrace").ValueKind);
        Assert.Equal(0, _api.NextCalls);
    }

    [Fact]
    public async Task Loop_WithAnUnknownHandlerName_ReportsNoSuchHandler()
    {
        var exit = await RunAsync(() => Handlers.Create("NoSuchFunction"), invocations: 1);

        var post = await _api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal(("init/error", "Runtime.NoSuchHandler"), (post.Kind, post.ErrorType));
        Assert.Contains("GenerateOtp, VerifyOtp, SendOtpEmail", post.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loop_StopsWhenCancelledWhileWaitingForTheNextEvent()
    {
        using var cts = new CancellationTokenSource();
        var run = LambdaLoop.RunAsync(_client, () => Handle(_ => "{}"), TextWriter.Null, cts.Token);
        while (_api.NextCalls == 0)
        {
            await Task.Delay(10);
        }

        await cts.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(Wait));
    }

    [Theory]
    [InlineData("GenerateOtp")]
    [InlineData("GenerateOtp::GenerateOtp.Function::FunctionHandler")]
    [InlineData(" VerifyOtp ")]
    [InlineData("SendOtpEmail")]
    public void HandlerNames_AreTheFunctionNamesOrTheManagedHandlerStrings(string handler)
    {
        // Construction may fail for want of configuration in the test process; the name must not be the reason.
        var failure = Record.Exception(() => Handlers.Create(handler));
        Assert.False(failure is ArgumentException, failure?.Message);
    }

    [Fact]
    public void ErrorBody_IsLambdasShape()
    {
        var json = Encoding.UTF8.GetString(new LambdaError("Function.Unhandled", "TimeoutException", "m \"quoted\"").ToJsonUtf8());

        Assert.Equal("{\"errorMessage\":\"m \\u0022quoted\\u0022\",\"errorType\":\"TimeoutException\",\"stackTrace\":[]}", json);
    }

    private Task<int> RunAsync(Func<Func<Stream, Task<Stream>>> init, int invocations, TextWriter? log = null) =>
        LambdaLoop.RunAsync(_client, init, log ?? TextWriter.Null, CancellationToken.None, invocations).WaitAsync(Wait);

    private static Func<Stream, Task<Stream>> Handle(Func<string, string> answer) => async input =>
    {
        using var reader = new StreamReader(input);
        var text = await reader.ReadToEndAsync();
        return new MemoryStream(Encoding.UTF8.GetBytes(answer(text)));
    };
}
