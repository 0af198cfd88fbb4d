using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using OtpService.Core.Tokens;
using Xunit;

namespace OtpService.Tests.Tokens;

/// <summary>KMS's DER signatures to JOSE's R || S (RFC 7518 section 3.4), with the DER built independently by AsnWriter.</summary>
public class EcdsaSignatureTests
{
    private static byte[] Der(BigInteger r, BigInteger s)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(r);
            writer.WriteInteger(s);
        }

        return writer.Encode();
    }

    private static BigInteger Unsigned(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);

    [Fact]
    public void HighBitIntegers_LoseTheirDerSignByte()
    {
        // Top bit set: DER writes 33 bytes (a leading 0x00) for each.
        var r = "F" + new string('1', 63);
        var s = "8" + new string('2', 63);
        var der = Der(Unsigned(r), Unsigned(s));
        Assert.Equal(2 + 2 + 33 + 2 + 33, der.Length);

        var jose = EcdsaSignature.DerToJose(der);

        Assert.Equal(r + s, Convert.ToHexString(jose));
    }

    [Fact]
    public void ShortIntegers_ArePaddedOnTheLeftWithZeros()
    {
        // r has 31 bytes (a leading zero byte dropped by DER), s is the number 1.
        var r = "00" + new string('7', 62);
        var der = Der(Unsigned(r), BigInteger.One);

        var jose = EcdsaSignature.DerToJose(der);

        Assert.Equal(64, jose.Length);
        Assert.Equal(r + new string('0', 62) + "01", Convert.ToHexString(jose));
    }

    [Fact]
    public void AFullWidthIntegerWithoutTheHighBit_IsCopiedAsItIs()
    {
        var r = "7F" + new string('A', 62);
        var s = "01" + new string('B', 62);

        Assert.Equal(r + s, Convert.ToHexString(EcdsaSignature.DerToJose(Der(Unsigned(r), Unsigned(s)))));
    }

    [Fact]
    public void ARealDerSignature_VerifiesInItsJoseForm()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var data = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0"u8.ToArray();
        for (var i = 0; i < 50; i++)
        {
            var der = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

            var jose = EcdsaSignature.DerToJose(der);

            Assert.True(key.VerifyData(data, jose, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "negative r", Der(BigInteger.MinusOne, BigInteger.One) },
        { "r longer than the field", Der(BigInteger.One << 256, BigInteger.One) },
        { "zero-length", [] },
        { "trailing bytes", [.. Der(BigInteger.One, BigInteger.One), 0x00] },
        { "one integer only", OneInteger() },
        { "not a sequence", [0x02, 0x01, 0x01] },
    };

    private static byte[] OneInteger()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(1);
        }

        return writer.Encode();
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedSignatures_AreRefused(string name, byte[] der)
    {
        var error = Record.Exception(() => EcdsaSignature.DerToJose(der));

        Assert.True(error is ArgumentException or AsnContentException, $"{name}: {error?.GetType().Name ?? "no error"}");
    }

    [Fact]
    public void ASequenceWithAThirdInteger_IsRefused()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(1);
            writer.WriteInteger(2);
            writer.WriteInteger(3);
        }

        Assert.Throws<AsnContentException>(() => EcdsaSignature.DerToJose(writer.Encode()));
    }
}
