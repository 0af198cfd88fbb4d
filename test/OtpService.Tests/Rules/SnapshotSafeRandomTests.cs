using OtpService.Core.Rules;
using Xunit;

namespace OtpService.Tests.Unit;

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
