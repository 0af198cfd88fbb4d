using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Lambda;

/// <summary>
/// The handlers write their proxy response straight to bytes (<see cref="ApiResponse.WriteResponse"/>):
/// the same bytes as serializing the response contract (<see cref="ApiResponse.ToApiGatewayResponse"/> through
/// <see cref="LambdaJsonContext"/>) for every kind of answer, in a fraction of its allocation.
/// </summary>
public sealed class ApiResponseWriteTests
{
    public static TheoryData<string, string?> Answers => new()
    {
        { "verified", null },
        { "verified", "https://app.example.com" },
        { "invalid", null },
        { "rate_limited", "https://app.example.com" },
        { "jwks", null },
        { "unavailable", null },
        { "escapes", "https://ex\u00e4mple.com/\"<&>'" },
    };

    private static ApiResponse Answer(string kind) => kind switch
    {
        "verified" => new ApiResponse(200, new ApiResponseBody("verified", "Verified.") { Token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln" }),
        "invalid" => ApiResponses.Invalid(new InvalidRequest("email_address", "is not an address")),
        "rate_limited" => new ApiResponse(429, new ApiResponseBody("rate_limited", "Too many requests.") { RetryAfterSeconds = 2_147_483_647, AttemptsRemaining = 0 }),
        "jwks" => ApiResponses.Jwks("""{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"""),
        "unavailable" => ApiResponses.Unavailable,
        _ => new ApiResponse(400, new ApiResponseBody("invalid_request", "caf\u00e9 \"quoted\" <tag> & 'apos' \u2028 \ud83d\ude00") { Field = "n\u00e4me" }),
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void WrittenResponse_IsByteForByteTheSerializedContract(string kind, string? cors)
    {
        var answer = Answer(kind);
        using var expected = new MemoryStream();
        LambdaJson.Write(answer.ToApiGatewayResponse(cors), LambdaJsonContext.Default.ApiGatewayResponse).CopyTo(expected);
        using var written = new MemoryStream();
        answer.WriteResponse(cors).CopyTo(written);

        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected.ToArray()), System.Text.Encoding.UTF8.GetString(written.ToArray()));
    }

    [Fact]
    public void WrittenResponse_AllocatesLittleMoreThanItsBytes()
    {
        var answer = Answer("rate_limited");
        var size = answer.WriteResponse("https://app.example.com").Length;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            GC.KeepAlive(answer.WriteResponse("https://app.example.com"));
        }

        var perAnswer = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        // The response's own array (its length plus the array header) and the MemoryStream around it.
        Assert.True(perAnswer < size + 200, $"{perAnswer} bytes allocated per {size}-byte response");
    }
}
