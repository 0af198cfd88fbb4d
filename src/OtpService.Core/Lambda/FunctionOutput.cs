using System.Text;

namespace OtpService.Core.Lambda;

/// <summary>
/// Where the functions write their JSON log lines and EMF metric lines so that CloudWatch receives
/// each as the whole log event, unchanged.
/// </summary>
/// <remarks>
/// The managed .NET runtime (Amazon.Lambda.RuntimeSupport) replaces <see cref="Console.Out"/> with
/// a wrapper whose every <c>WriteLine</c> is formatted: prefixed with time, request id and level
/// under LogFormat Text, wrapped as the <c>message</c> string of its own JSON object under JSON
/// (Libraries/src/Amazon.Lambda.RuntimeSupport/Helpers/ConsoleLoggerWriter.cs, WrapperTextWriter).
/// Either way a JSON line is no longer the event: CloudWatch would not parse it, and would not
/// extract EMF metrics from it (the EMF specification: "no additional data at the beginning or end
/// of the LogEvent message"). Lambda itself adds nothing to what a process writes to its own
/// stdout, so in Lambda (AWS_LAMBDA_FUNCTION_NAME set) the functions write to file descriptor 1
/// through one writer opened once, bypassing the wrapper. Elsewhere (local runner, tests) they
/// write to <see cref="Console.Out"/>, which a host may redirect. docs/deploy.md has the sources.
/// </remarks>
public static class FunctionOutput
{
    private static readonly Lazy<TextWriter> Stdout = new(OpenStdout, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The raw stdout writer in Lambda, else <see cref="Console.Out"/>.</summary>
    /// <param name="inLambda">AWS_LAMBDA_FUNCTION_NAME is set (<see cref="ServiceConfiguration.InLambda"/>).</param>
    public static TextWriter For(bool inLambda) => inLambda ? Stdout.Value : Console.Out;

    /// <summary>
    /// A synchronized, auto-flushing UTF-8 writer (no BOM) on <paramref name="stream"/> whose buffer
    /// holds a whole log line, so each line leaves in one write and lines of concurrent calls never
    /// interleave. Opened once: every <see cref="Console.OpenStandardOutput()"/> duplicates the descriptor.
    /// </summary>
    public static TextWriter Over(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return TextWriter.Synchronized(new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 64 * 1024) { AutoFlush = true, NewLine = "\n" });
    }

    private static TextWriter OpenStdout() => Over(Console.OpenStandardOutput());
}
