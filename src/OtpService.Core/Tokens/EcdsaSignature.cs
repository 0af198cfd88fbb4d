using System.Formats.Asn1;

namespace OtpService.Core.Tokens;

/// <summary>
/// ECDSA signature encodings. AWS KMS <c>Sign</c> returns the DER form (RFC 3279 section 2.2.3:
/// SEQUENCE { r INTEGER, s INTEGER }); JWS ES256 wants the fixed-width form R || S, each a
/// 32-byte big-endian unsigned integer (RFC 7518 section 3.4).
/// </summary>
public static class EcdsaSignature
{
    /// <summary>P-256: 32 bytes per integer, 64 in a JOSE signature.</summary>
    public const int P256FieldBytes = 32;

    /// <summary>The JOSE (IEEE P1363) form of a DER ECDSA signature.</summary>
    /// <param name="der">The DER SEQUENCE of r and s.</param>
    /// <param name="fieldBytes">Bytes per integer for the curve (32 for P-256).</param>
    /// <exception cref="AsnContentException">Not a DER SEQUENCE of two INTEGERs, or trailing data.</exception>
    /// <exception cref="ArgumentException">r or s is negative or longer than the curve's field.</exception>
    public static byte[] DerToJose(ReadOnlySpan<byte> der, int fieldBytes = P256FieldBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldBytes);
        var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();

        var jose = new byte[2 * fieldBytes];
        CopyInteger(sequence.ReadIntegerBytes().Span, jose.AsSpan(0, fieldBytes), "r");
        CopyInteger(sequence.ReadIntegerBytes().Span, jose.AsSpan(fieldBytes, fieldBytes), "s");
        sequence.ThrowIfNotEmpty();
        return jose;
    }

    /// <summary>
    /// A DER INTEGER's content is two's complement, minimal: a leading 0x00 only when the top bit
    /// is set (so it reads as positive), and shorter than the field when the value is small.
    /// The fixed-width form drops that sign byte and pads on the left with zeros.
    /// </summary>
    private static void CopyInteger(ReadOnlySpan<byte> content, Span<byte> destination, string name)
    {
        if (content.IsEmpty || (content[0] & 0x80) != 0)
        {
            throw new ArgumentException($"ECDSA {name} must be a positive integer.");
        }

        var magnitude = content[0] == 0 ? content[1..] : content;
        if (magnitude.Length > destination.Length)
        {
            throw new ArgumentException($"ECDSA {name} is {magnitude.Length} bytes; the curve allows {destination.Length}.");
        }

        destination.Clear();
        magnitude.CopyTo(destination[(destination.Length - magnitude.Length)..]);
    }
}
