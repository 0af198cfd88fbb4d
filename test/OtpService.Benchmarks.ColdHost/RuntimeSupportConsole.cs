using System.Globalization;
using System.Text;

namespace OtpService.Benchmarks.ColdHost;

/// <summary>
/// What the managed .NET runtime does to Console under Lambda's LogFormat Text, reproduced for
/// tests: Amazon.Lambda.RuntimeSupport replaces <see cref="Console.Out"/> with a writer whose every
/// <c>WriteLine</c> is formatted as "time\trequest id\tinfo\tmessage" and whose <c>Write</c> passes
/// through (Libraries/src/Amazon.Lambda.RuntimeSupport/Helpers/ConsoleLoggerWriter.cs,
/// WrapperTextWriter and DefaultLogMessageFormatter). Behaviour reproduced, not code copied.
/// </summary>
internal sealed class RuntimeSupportConsole(TextWriter inner, string requestId) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    /// <summary>Installs the wrapper on stdout, as the runtime does before loading the function.</summary>
    public static void Install(string requestId) =>
        Console.SetOut(new RuntimeSupportConsole(new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true }, requestId));

    public override void Write(char value) => inner.Write(value);

    public override void Write(string? value) => inner.Write(value);

    public override void WriteLine(string? value) =>
        inner.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}\t{requestId}\tinfo\t{value}"));

    public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(new string(buffer));

    public override void WriteLine(object? value) => WriteLine(value?.ToString());

    public override void Flush() => inner.Flush();
}
