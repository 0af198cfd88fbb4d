using System.Text;
using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>The Lambda stdout writer: whole lines in one write each, UTF-8 without BOM, "\n" endings; the choice by environment.</summary>
public class FunctionOutputTests
{
    /// <summary>Records every Write the writer makes on the descriptor.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes.Add(buffer.AsSpan(offset, count).ToArray());
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }

    [Fact]
    public void Over_WritesEachLineWhole_InOneWrite()
    {
        using var stream = new RecordingStream();
        var writer = FunctionOutput.Over(stream);
        var long1 = "{\"a\":\"" + new string('x', 20_000) + "é\"}";
        var line2 = "{\"b\":1}";

        writer.WriteLine(long1);
        writer.WriteLine(line2);

        Assert.Equal([long1 + "\n", line2 + "\n"], stream.Writes.Select(w => Encoding.UTF8.GetString(w)));
        Assert.NotEqual(0xEF, stream.ToArray()[0]);
    }

    [Fact]
    public void For_OutsideLambda_IsConsoleOut_SoAHostCanRedirectIt() =>
        Assert.Same(Console.Out, FunctionOutput.For(inLambda: false));

    [Fact]
    public void For_InLambda_IsOneRawWriter_NotConsoleOut()
    {
        var inLambda = FunctionOutput.For(inLambda: true);

        Assert.NotSame(Console.Out, inLambda);
        Assert.Same(inLambda, FunctionOutput.For(inLambda: true));
    }
}
