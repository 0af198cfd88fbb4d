using System.Text;
using System.Text.Json;
using OtpService.Core.Lambda;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Bootstrap;

/// <summary>
/// The runtime loop every deployed form runs (OtpService.Core.Lambda: the managed executables and
/// the Native AOT bootstrap) against a Runtime API stand-in on 127.0.0.1: responses, handler errors
/// in Lambda's error shape, init errors, handler names, the Lambda-Runtime-* headers and Lambda's
/// response size limit. The published packages themselves are launched in Deploy/LaunchedPackageTests.
/// </summary>
public sealed class LambdaRuntimeTests : RuntimeApiTestBase
{
    private static readonly TimeSpan Wait = Patience.Wait;

    [Fact]
    public async Task Next_ReadsPayloadAndEveryLambdaRuntimeHeader()
    {
        Api.Enqueue(new FakeInvocation("req-1", "{\"a\":1}"u8.ToArray(), 1_741_806_238_123, "Root=1-abc;Sampled=1", "arn:aws:lambda:us-east-1:123456789012:function:f"));

        var invocation = await Client.NextAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal("req-1", invocation.RequestId);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(invocation.Payload));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_741_806_238_123), invocation.Deadline);
        Assert.Equal("Root=1-abc;Sampled=1", invocation.TraceId);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:f", invocation.InvokedFunctionArn);
    }

    [Fact]
    public async Task Loop_PostsTheHandlersAnswerToTheInvocationsResponseUrl()
    {
        Api.Enqueue(new FakeInvocation("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "{\"ping\":true}"u8.ToArray()));

        var exit = await RunAsync(() => Handle(input => "{\"echo\":" + input + "}"), invocations: 1);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(0, exit);
        Assert.Equal("response", post.Kind);
        Assert.Equal("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", post.RequestId);
        Assert.Equal("{\"echo\":{\"ping\":true}}", post.Text);
        Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loop_SetsTheTraceIdOfEachInvocationAndClearsItWhenAbsent()
    {
        Api.Enqueue(new FakeInvocation("one", "{}"u8.ToArray(), TraceId: "Root=1-aaa;Parent=bbb;Sampled=1"));
        Api.Enqueue(new FakeInvocation("two", "{}"u8.ToArray(), TraceId: null));
        var seen = new List<string?>();

        await RunAsync(() => Handle(_ =>
        {
            seen.Add(Environment.GetEnvironmentVariable(LambdaRuntime.TraceVariable));
            return "{}";
        }), invocations: 2);

        Assert.Equal(["Root=1-aaa;Parent=bbb;Sampled=1", null], seen);
        Assert.Equal("response", (await Api.NextPostAsync(Wait)).Kind);
        Assert.Equal("response", (await Api.NextPostAsync(Wait)).Kind);
    }

    [Fact]
    public async Task Loop_HandsEachInvocationsDeadlineToTheHandler_SoItsBudgetEndsBeforeLambdasTimeout()
    {
        // 30 s from now: the handler's budget (10 s timeout -> 9 s) ends first; 2 s from now: the header's deadline less the 1 s margin does.
        var far = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();
        var near = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds();
        Api.Enqueue(new FakeInvocation("far", "{}"u8.ToArray(), far));
        Api.Enqueue(new FakeInvocation("near", "{}"u8.ToArray(), near));
        var seen = new List<(DateTimeOffset? Deadline, TimeSpan Budget)>();

        await RunAsync(() => Handle(_ =>
        {
            using var deadline = OtpService.Core.Rules.InvocationBudget.ForTimeout(10).Start(TimeProvider.System);
            seen.Add((OtpService.Core.Rules.RuntimeDeadline.Current, deadline.Remaining));
            return "{}";
        }), invocations: 2);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(far), seen[0].Deadline);
        Assert.InRange(seen[0].Budget, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(9));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(near), seen[1].Deadline);
        Assert.InRange(seen[1].Budget, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Null(OtpService.Core.Rules.RuntimeDeadline.Current);
    }

    [Fact]
    public async Task Loop_ReportsAHandlerFailureInLambdasErrorShape_WithItsStackTrace_AndGoesOn()
    {
        Api.Enqueue(new FakeInvocation("bad", "{}"u8.ToArray()));
        Api.Enqueue(new FakeInvocation("good", "{}"u8.ToArray()));
        var log = new StringWriter();
        var calls = 0;

        var exit = await RunAsync(() => Handle(_ => ++calls == 1 ? ThrowFromNamedFrame() : "{\"ok\":true}"), invocations: 2, log);

        var error = await Api.NextPostAsync(Wait);
        Assert.Equal(0, exit);
        Assert.Equal(("error", "bad", "Function.Unhandled"), (error.Kind, error.RequestId, error.ErrorType));
        Assert.StartsWith(RuntimeApiClient.ErrorContentType, error.ContentType, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(error.Text);
        Assert.Equal("InvalidOperationException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("InvalidOperationException", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        var frames = body.RootElement.GetProperty("stackTrace").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.Contains(frames, f => f!.Contains(nameof(ThrowFromNamedFrame), StringComparison.Ordinal));
        // The exception's message can quote the event; it reaches neither the caller nor the log.
        Assert.DoesNotContain("123456", error.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("user@example.com", error.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("123456", log.ToString(), StringComparison.Ordinal);

        // The function's log has the same stack, on one JSON line.
        using var line = JsonDocument.Parse(Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(("invocation_error", "bad"), (line.RootElement.GetProperty("event").GetString(), line.RootElement.GetProperty("requestId").GetString()));
        Assert.Contains(line.RootElement.GetProperty("stackTrace").EnumerateArray(), f => f.GetString()!.Contains(nameof(ThrowFromNamedFrame), StringComparison.Ordinal));

        var next = await Api.NextPostAsync(Wait);
        Assert.Equal(("response", "good", "{\"ok\":true}"), (next.Kind, next.RequestId, next.Text));
    }

    [Fact]
    public async Task Loop_ReportsAFailedInitToInitError_WithItsStack_AndEndsWithoutAskingForEvents()
    {
        var log = new StringWriter();
        var exit = await RunAsync(() => throw new InvalidOperationException("OTP_SENDER_ADDRESS must be set."), invocations: 1, log);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal("init/error", post.Kind);
        Assert.Equal("Runtime.InitError", post.ErrorType);
        Assert.StartsWith(RuntimeApiClient.ErrorContentType, post.ContentType, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(post.Text);
        Assert.Equal("InvalidOperationException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("OTP_SENDER_ADDRESS must be set.", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.NotEqual(0, body.RootElement.GetProperty("stackTrace").GetArrayLength());
        Assert.Contains("\"init_error\"", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, Api.NextCalls);
    }

    [Theory]
    [InlineData("NoSuchFunction")]
    [InlineData("GenerateOtp::GenerateOtp.Function::AnyMethod")]
    [InlineData("GenerateOtp::GenerateOtp.Other::FunctionHandler")]
    [InlineData("VerifyOtp::GenerateOtp.Function::FunctionHandler")]
    [InlineData("")]
    public async Task Loop_WithAHandlerThatNamesNoneOfOurFunctions_ReportsNoSuchHandler_InPlainWords(string handler)
    {
        var environment = new Dictionary<string, string> { [LambdaHost.HandlerVariable] = handler, [LambdaHost.TableNameVariable] = "otp_test" };
        var exit = await RunAsync(hooks => LambdaHost.Init(AllFunctions, environment.GetValueOrDefault, handlerMayBeUnset: false, hooks, TimeProvider.System), invocations: 1);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal(("init/error", "Runtime.NoSuchHandler"), (post.Kind, post.ErrorType));
        using var body = JsonDocument.Parse(post.Text);
        var message = body.RootElement.GetProperty("errorMessage").GetString()!;
        Assert.Contains("GenerateOtp, VerifyOtp, SendOtpEmail", message, StringComparison.Ordinal);
        Assert.Contains($"'{handler}'", message, StringComparison.Ordinal);
        // No "(Parameter 'handler')": under Native AOT (UseSystemResourceKeys) that suffix printed as a raw resource key.
        Assert.DoesNotContain("Parameter", message, StringComparison.Ordinal);
        Assert.Equal(0, Api.NextCalls);
    }

    [Fact]
    public async Task Init_WithoutATableName_IsAnInitError_BeforeTheFunctionIsBuilt()
    {
        var built = false;
        var function = new LambdaFunction("GenerateOtp", (_, _) =>
        {
            built = true;
            return _ => Task.FromResult<Stream>(new MemoryStream());
        });
        var environment = new Dictionary<string, string> { [LambdaHost.HandlerVariable] = "GenerateOtp" };

        var exit = await RunAsync(hooks => LambdaHost.Init([function], environment.GetValueOrDefault, handlerMayBeUnset: false, hooks, TimeProvider.System), invocations: 1);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(1, exit);
        Assert.Equal(("init/error", "Runtime.InitError"), (post.Kind, post.ErrorType));
        Assert.Contains(LambdaHost.TableNameVariable, post.Text, StringComparison.Ordinal);
        Assert.False(built);
    }

    [Fact]
    public async Task Loop_StopsWhenCancelledWhileWaitingForTheNextEvent()
    {
        using var cts = new CancellationTokenSource();
        var run = LambdaRuntime.RunAsync(Client, _ => Handle(_ => "{}"), TextWriter.Null, snapStart: false, TimeProvider.System, cts.Token);
        await Api.WaitForNextCallsAsync(1, Wait);

        await cts.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(Wait));
    }

    [Fact]
    public async Task Loop_ReportsAnAnswerOverLambdasSizeLimitAsAnError_AndTakesTheNextEvent()
    {
        Api.Enqueue(new FakeInvocation("big", "{}"u8.ToArray()));
        Api.Enqueue(new FakeInvocation("small", "{}"u8.ToArray()));
        var log = new StringWriter();
        var calls = 0;

        var exit = await RunAsync(() => Handle(_ => ++calls == 1 ? new string('x', RuntimeApiClient.MaxResponseBytes + 1) : "{}"), invocations: 2, log);

        var error = await Api.NextPostAsync(Wait);
        Assert.Equal(0, exit);
        Assert.Equal(("error", "big", "Function.ResponseSizeTooLarge"), (error.Kind, error.RequestId, error.ErrorType));
        using var body = JsonDocument.Parse(error.Text);
        Assert.Contains(RuntimeApiClient.MaxResponseBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"response_too_large\"", log.ToString(), StringComparison.Ordinal);
        var next = await Api.NextPostAsync(Wait);
        Assert.Equal(("response", "small"), (next.Kind, next.RequestId));
        // Nothing of the 6 MB answer was sent: the only response posted is the small one.
        Assert.Equal(["POST error", "POST response"], Api.Calls.Where(c => c.StartsWith("POST", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Loop_AnswerExactlyAtTheLimit_IsSent()
    {
        Api.Enqueue(new FakeInvocation("edge", "{}"u8.ToArray()));

        await RunAsync(() => Handle(_ => new string('x', RuntimeApiClient.MaxResponseBytes)), invocations: 1);

        var post = await Api.NextPostAsync(Wait);
        Assert.Equal(("response", 202, RuntimeApiClient.MaxResponseBytes), (post.Kind, post.Status, post.Body.Length));
    }

    [Fact]
    public async Task Loop_WhenTheRuntimeApiRefusesAResponse_LogsItAndTakesTheNextEvent()
    {
        Api.Enqueue(new FakeInvocation("refused", "{}"u8.ToArray()));
        Api.Enqueue(new FakeInvocation("after", "{}"u8.ToArray()));
        Api.RefuseNextResponse(413);
        var log = new StringWriter();

        var exit = await RunAsync(() => Handle(_ => "{}"), invocations: 2, log);

        Assert.Equal(0, exit);
        Assert.Equal(("response", "refused", 413), Shape(await Api.NextPostAsync(Wait)));
        Assert.Equal(("response", "after", 202), Shape(await Api.NextPostAsync(Wait)));
        Assert.Contains("\"response_refused\"", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("413", log.ToString(), StringComparison.Ordinal);

        static (string, string?, int) Shape(RuntimePost p) => (p.Kind, p.RequestId, p.Status);
    }

    [Theory]
    [InlineData("GenerateOtp", "GenerateOtp")]
    [InlineData("GenerateOtp.dll", "GenerateOtp")]
    [InlineData("GenerateOtp::GenerateOtp.Function::FunctionHandler", "GenerateOtp")]
    [InlineData(" VerifyOtp ", "VerifyOtp")]
    [InlineData("SendOtpEmail", "SendOtpEmail")]
    [InlineData("SendOtpEmail::SendOtpEmail.Function::FunctionHandler", "SendOtpEmail")]
    public void HandlerNames_AreTheFunctionNames_TheirDll_OrTheirOwnClassLibraryString(string handler, string function)
    {
        Assert.Equal(function, LambdaFunction.Pick(handler, AllFunctions).Name);
    }

    [Fact]
    public void ErrorBody_IsLambdasShape()
    {
        var json = Encoding.UTF8.GetString(new LambdaError("Function.Unhandled", "TimeoutException", "m \"quoted\"", ["at A.B()", "at C.D()"]).ToJsonUtf8());

        Assert.Equal("{\"errorMessage\":\"m \\u0022quoted\\u0022\",\"errorType\":\"TimeoutException\",\"stackTrace\":[\"at A.B()\",\"at C.D()\"]}", json);
    }

    [Fact]
    public void StackOf_ListsInnerExceptionsFrames_WithoutAnyMessage()
    {
        Exception? caught = null;
        try
        {
            try
            {
                ThrowFromNamedFrame();
            }
            catch (InvalidOperationException inner)
            {
                throw new AggregateException("outer secret 999999", inner);
            }
        }
        catch (AggregateException e)
        {
            caught = e;
        }

        var stack = LambdaError.StackOf(caught!);

        Assert.Contains("caused by System.InvalidOperationException", stack);
        Assert.Contains(stack, f => f.Contains(nameof(ThrowFromNamedFrame), StringComparison.Ordinal));
        Assert.DoesNotContain(stack, f => f.Contains("999999", StringComparison.Ordinal) || f.Contains("123456", StringComparison.Ordinal));
    }

    internal static readonly IReadOnlyList<LambdaFunction> AllFunctions =
        [GenerateOtp.LambdaEntry.Function, VerifyOtp.LambdaEntry.Function, SendOtpEmail.LambdaEntry.Function];

    private static string ThrowFromNamedFrame() => throw new InvalidOperationException("code 123456 for user@example.com");

    private Task<int> RunAsync(Func<Func<Stream, Task<Stream>>> init, int invocations, TextWriter? log = null) =>
        RunUntilIdleAsync(_ => init(), invocations, log);

    private Task<int> RunAsync(Func<SnapshotHooks, Func<Stream, Task<Stream>>> init, int invocations, TextWriter? log = null) =>
        RunUntilIdleAsync(init, invocations, log);

    private static Func<Stream, Task<Stream>> Handle(Func<string, string> answer) => async input =>
    {
        using var reader = new StreamReader(input);
        var text = await reader.ReadToEndAsync();
        return new MemoryStream(Encoding.UTF8.GetBytes(answer(text)));
    };
}
