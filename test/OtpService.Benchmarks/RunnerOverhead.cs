using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OtpService.Core.Lambda;
using OtpService.Local.Api;
using OtpService.Local.Lambda;

namespace OtpService.Benchmarks;

/// <summary>
/// The local runner's own cost per request (issue target: under 1 ms): build the API Gateway
/// event, call a function that answers at once, turn its proxy response into HTTP. No socket,
/// no handler work: only what the runner adds in front of the real handler.
/// </summary>
internal static class RunnerOverhead
{
    public static async Task<double> MicrosecondsPerRequestAsync()
    {
        var answer = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
            new ApiGatewayResponse { StatusCode = 202, Headers = new() { ["Content-Type"] = "application/json" }, Body = "{\"status\":\"sent\"}" },
            LambdaJsonContext.Default.ApiGatewayResponse));
        var pools = LambdaFunctions.Names.ToDictionary(
            n => n, n => new FunctionPool(n, () => _ => Task.FromResult<Stream>(new MemoryStream(answer))), StringComparer.Ordinal);
        var proxy = new ApiProxy(pools, TextWriter.Null, TimeProvider.System);

        for (var i = 0; i < 5_000; i++)
        {
            await proxy.HandleAsync(Request());
        }

        const int Requests = 20_000;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < Requests; i++)
        {
            await proxy.HandleAsync(Request());
        }

        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / Requests;
    }

    private static DefaultHttpContext Request()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Path = "/otp/generate";
        context.Request.QueryString = new QueryString("?email_address=someone%40example.com");
        context.Request.Headers.Host = "127.0.0.1:3000";
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        context.Response.Body = Stream.Null;
        return context;
    }
}
