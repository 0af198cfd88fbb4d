using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Rules;

/// <summary>
/// The random source for nonces and token ids. A SnapStart restore cannot be made here; what a
/// restore does to OpenSSL's DRBG (two clones with one state) is stood in for by a generator that
/// returns the same bytes twice, a fault no real generator produces on demand.
/// </summary>
public class SnapshotSafeRandomTests
{
    private static SnapshotSafeRandom.SpanAction Cloned(byte value) => span => span.Fill(value);

    [Fact]
    public void TwoClonesOfOneGeneratorState_StillDrawDifferentBytes_BecauseTheKernelPartDiffers()
    {
        var first = new byte[16];
        var second = new byte[16];
        var kernel = 0;
        SnapshotSafeRandom.SpanAction fromKernel = span => span.Fill((byte)++kernel);

        SnapshotSafeRandom.Fill(first, Cloned(0xA5), fromKernel);
        SnapshotSafeRandom.Fill(second, Cloned(0xA5), fromKernel);

        Assert.NotEqual(first, second);
        Assert.All(first, b => Assert.Equal(0xA5 ^ 1, b));
        Assert.All(second, b => Assert.Equal(0xA5 ^ 2, b));
    }

    [Fact]
    public void WithoutAKernelSource_TheGeneratorsBytesAreUsedAsTheyAre()
    {
        var bytes = new byte[8];

        SnapshotSafeRandom.Fill(bytes, Cloned(0x3C), kernel: null);

        Assert.All(bytes, b => Assert.Equal(0x3C, b));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    public void EveryByte_IsMixed_WhateverTheLength(int length)
    {
        var bytes = new byte[length];

        SnapshotSafeRandom.Fill(bytes, Cloned(0xFF), span => span.Fill(0x0F));

        Assert.All(bytes, b => Assert.Equal(0xF0, b));
    }

    [Theory]
    [InlineData(0, new int[0])]
    [InlineData(1, new[] { 1 })]
    [InlineData(64, new[] { 64 })]
    [InlineData(65, new[] { 64, 1 })]
    [InlineData(200, new[] { 64, 64, 64, 8 })]
    public void TheKernel_IsReadInChunksOfAtMost64Bytes_NeverForNothing(int length, int[] reads)
    {
        // Each chunk is marked with its read's number, so a byte mixed from the wrong read shows.
        var asked = new List<int>();
        SnapshotSafeRandom.SpanAction fromKernel = span =>
        {
            asked.Add(span.Length);
            span.Fill((byte)asked.Count);
        };
        var bytes = new byte[length];

        SnapshotSafeRandom.Fill(bytes, Cloned(0x80), fromKernel);

        Assert.Equal(reads, asked);
        for (var i = 0; i < length; i++)
        {
            Assert.Equal(0x80 ^ (i / 64 + 1), bytes[i]);
        }
    }

    [Fact]
    public void AKernelSourceThatReturnsNoBytes_FailsTheDraw_NeverLoopsOrLeavesBytesUnmixed()
    {
        // A real empty file stands in for a broken device: a read of it returns 0 bytes.
        var empty = Path.GetTempFileName();
        try
        {
            using var handle = File.OpenHandle(empty);
            var failure = Assert.Throws<IOException>(() => SnapshotSafeRandom.ReadExactly(handle, new byte[16]));
            Assert.Equal("/dev/urandom returned no bytes.", failure.Message);

            SnapshotSafeRandom.ReadExactly(handle, Span<byte>.Empty); // nothing asked: no read, no failure
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public void OnLinux_TheRealKernelRead_FillsEveryByte_SoTwoClonesStillDiffer()
    {
        // The clone fault stood in for as above, but with the real kernel read: a read that filled
        // nothing (or part) would leave the clones' bytes equal where it stopped.
        Assert.Equal(OperatingSystem.IsLinux(), SnapshotSafeRandom.KernelRead is not null);
        if (SnapshotSafeRandom.KernelRead is not { } kernel)
        {
            return; // no kernel source off Linux; the line above checks that is the only case
        }

        var first = new byte[4096];
        var second = new byte[4096];

        SnapshotSafeRandom.Fill(first, Cloned(0), kernel);
        SnapshotSafeRandom.Fill(second, Cloned(0), kernel);

        // 32 bytes of 4,096 equal at one offset happen by chance with probability far below 2^-200.
        Assert.NotEqual(first, second);
        Assert.NotEqual(first[^32..], second[^32..]);
        Assert.NotEqual(new byte[32], first[^32..]);
    }

    [Fact]
    public void OnLinux_TheKernelSourceIsMixedIn_AndDrawsDiffer()
    {
        Assert.Equal(OperatingSystem.IsLinux(), SnapshotSafeRandom.MixesKernelEntropy);
        var draws = Enumerable.Range(0, 200).Select(_ => Convert.ToHexString(SnapshotSafeRandom.GetBytes(16))).ToHashSet();

        Assert.Equal(200, draws.Count);
        Assert.Empty(SnapshotSafeRandom.GetBytes(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SnapshotSafeRandom.GetBytes(-1));
    }

    [Fact]
    public void Draws_AreNotBiased_TowardsZeroOrOneBits()
    {
        // 4,096 bytes: about 16,384 one bits of 32,768; 6 standard deviations is ~550.
        var ones = SnapshotSafeRandom.GetBytes(4096).Sum(b => System.Numerics.BitOperations.PopCount(b));

        Assert.InRange(ones, 16_384 - 550, 16_384 + 550);
    }
}
