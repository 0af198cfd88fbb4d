using System.Runtime.InteropServices;
using OtpService.Core.Lambda;
using OtpService.Core.Rules;

namespace OtpService.Benchmarks;

/// <summary>
/// The quick, load-proof form of the CPU figures (subset <c>alloc</c>): bytes allocated per call
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, exact) and CPU time per call of this
/// thread (<c>CLOCK_THREAD_CPUTIME_ID</c>, unaffected by other processes' work, unlike wall time),
/// for each handler on the same events as <see cref="HandlerBenchmarks"/>, and the allocation of
/// each stage of the pipeline on its own, so a change can be credited to the stage it touched.
/// </summary>
internal static class AllocationProfile
{
    private const int ClockThreadCpuTime = 3;

    public static void Run(int calls)
    {
        var bench = new HandlerBenchmarks();
        bench.Setup();
        Measure("generate", calls, () => bench.Generate());
        Measure("verify", calls, () => bench.Verify());

        // Stages, on the verify event (the larger), each alone.
        var json = SampleEvents.Verify(HandlerBenchmarks.Address, "123456");
        var settings = new OtpSettings();
        var log = new InvocationLog(TextWriter.Null, "bench", TimeProvider.System);
        var lean = new LeanApiEventReader(settings.ClientIpHeader);
        var (request, _) = lean.Read(json);
        var fields = RequestFields.TryRead(request!, out _)!;
        var answer = new ApiResponse(200, new ApiResponseBody("verified", "Verified"));
        Stage("event_parse_full", calls, () => ApiEventReader.Read(json));
        Stage("event_parse", calls, () => lean.Read(json));
        Stage("request_fields", calls, () => RequestFields.TryRead(request!, out _));
        var budget = InvocationBudget.For(settings);
        Stage("budget_deadline_cts", calls, () =>
        {
            // As ApiFunction: the budget made at init, the deadline per call, no linked source when the caller's token cannot cancel.
            using var deadline = budget.Start(TimeProvider.System);
            return deadline.Token;
        });
        Stage("log_line", calls, () =>
        {
            log.Write("INFO",
            [
                new("requestId", request!.RequestContext?.RequestId),
                new("route", "verify"),
                new("method", request.Method),
                new("outcome", "verified"),
                new("httpStatus", 200),
                new("limit", null),
                new("note", null),
                new("address", InvocationLog.MaskAddress(fields[OtpFields.EmailAddress])),
                new("errorType", null),
                new("error", null),
                new("durationMs", 0.123),
            ]);
            return 0;
        });
        Stage("emf_line", calls, () =>
        {
            log.WriteMetrics([new(MetricNames.ForApiStatus("verified"), 1)]);
            return 0;
        });
        Stage("response_contract", calls, () => LambdaJson.Write(answer.ToApiGatewayResponse(null), LambdaJsonContext.Default.ApiGatewayResponse));
        Stage("response", calls, () => answer.WriteResponse(null));
    }

    private static void Measure(string name, int calls, Func<Task<Stream>> call)
    {
        for (var i = 0; i < calls; i++)
        {
            call().GetAwaiter().GetResult().Dispose();
        }

        var cpu = ThreadCpuNanoseconds();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++)
        {
            call().GetAwaiter().GetResult().Dispose();
        }

        var allocated = (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)calls;
        var cpuUs = (ThreadCpuNanoseconds() - cpu) / 1000.0 / calls;
        Report.Emit(new Figure($"thread_cpu_{name}_us", cpuUs, "us"));
        Report.Emit(new Figure($"alloc_{name}_bytes", allocated, "B"));
    }

    private static void Stage<T>(string name, int calls, Func<T> stage)
    {
        for (var i = 0; i < 1000; i++)
        {
            GC.KeepAlive(stage());
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++)
        {
            GC.KeepAlive(stage());
        }

        Report.Emit(new Figure($"alloc_stage_{name}_bytes", (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)calls, "B"));
    }

    private static long ThreadCpuNanoseconds()
    {
        if (!OperatingSystem.IsLinux() || clock_gettime(ClockThreadCpuTime, out var time) != 0)
        {
            return 0;
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
