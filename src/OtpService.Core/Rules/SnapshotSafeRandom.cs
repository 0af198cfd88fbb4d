using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace OtpService.Core.Rules;

/// <summary>
/// Random bytes that stay unique when one Lambda SnapStart snapshot is restored many times: each
/// draw is <see cref="RandomNumberGenerator"/> (OpenSSL's <c>RAND_bytes</c> on Linux) XOR bytes read
/// from the kernel (<c>/dev/urandom</c>) at the moment of the draw.
/// <para>
/// Why: OpenSSL 3 keeps its DRBG state in process memory and reseeds it only after a fork (a new
/// pid), a request count or a time interval (7 min public, 1 h primary); a restored snapshot keeps
/// the pid, so clones restored close together can draw the same bytes. AWS states that software
/// reading <c>/dev/random</c> or <c>/dev/urandom</c> keeps its randomness across restores
/// (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html). XOR of the two is
/// unique when either part is, and unpredictable when either part is. README "SnapStart and
/// randomness" has the sources.
/// </para>
/// </summary>
public static class SnapshotSafeRandom
{
    private const string KernelSource = "/dev/urandom";

    /// <summary>The most bytes asked of the kernel source in one read.</summary>
    internal const int KernelChunk = 64;

    // Opened once; every read goes to the kernel (no user-space buffer that a snapshot could clone).
    private static readonly Lazy<SafeFileHandle?> Kernel = new(OpenKernelSource);

    /// <summary>True when the kernel source is mixed in (Linux); false where it does not exist.</summary>
    public static bool MixesKernelEntropy => Kernel.Value is not null;

    /// <summary>Fills <paramref name="destination"/> with fresh random bytes.</summary>
    public static void Fill(Span<byte> destination) => Fill(destination, RandomNumberGenerator.Fill, KernelRead);

    /// <summary>Reads exactly as many bytes as asked from the kernel source; null where there is none (not Linux).</summary>
    internal static SpanAction? KernelRead => Kernel.Value is { } kernel ? span => ReadExactly(kernel, span) : null;

    /// <summary>A new array of <paramref name="count"/> fresh random bytes.</summary>
    public static byte[] GetBytes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }

    /// <summary>The combiner over its two sources: the managed generator, XORed with the kernel read where there is one.</summary>
    internal static void Fill(Span<byte> destination, SpanAction generator, SpanAction? kernel)
    {
        generator(destination);
        if (kernel is null)
        {
            return;
        }

        // The kernel's bytes pass through one small stack buffer, a chunk at a time (no allocation).
        Span<byte> fresh = stackalloc byte[KernelChunk];
        for (var offset = 0; offset < destination.Length; offset += KernelChunk)
        {
            var target = destination[offset..];
            var chunk = fresh[..Math.Min(KernelChunk, target.Length)];
            kernel(chunk);
            for (var i = 0; i < chunk.Length; i++)
            {
                target[i] ^= chunk[i];
            }
        }

        CryptographicOperations.ZeroMemory(fresh);
    }

    /// <summary>Writes random bytes into the whole span.</summary>
    internal delegate void SpanAction(Span<byte> destination);

    // Linux only (Lambda's OS); /dev/urandom is part of every Linux system, so a failure to open it
    // fails every draw rather than falling back to the generator alone.
    private static SafeFileHandle? OpenKernelSource() =>
        OperatingSystem.IsLinux() ? File.OpenHandle(KernelSource, FileMode.Open, FileAccess.Read, FileShare.ReadWrite) : null;

    /// <summary>Fills <paramref name="destination"/> from <paramref name="handle"/>, read after read.</summary>
    /// <exception cref="IOException">A read returned no bytes (the source is empty or broken).</exception>
    internal static void ReadExactly(SafeFileHandle handle, Span<byte> destination)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            // A character device: the offset is ignored; each read returns fresh bytes.
            var read = RandomAccess.Read(handle, destination[filled..], fileOffset: 0);
            if (read <= 0)
            {
                throw new IOException($"{KernelSource} returned no bytes.");
            }

            filled += read;
        }
    }
}
