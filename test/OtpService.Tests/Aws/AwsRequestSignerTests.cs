using Amazon.Runtime;
using OtpService.Core.Aws;
using Xunit;

namespace OtpService.Tests.Aws;

/// <summary>Cases from AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite), with its expected answers.</summary>
public class AwsRequestSignerTests
{
    // The suite's fixed context: credentials, scope and time shared by every case.
    private const string SuiteAccessKey = "AKIDEXAMPLE";
    private const string SuiteSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTime SuiteTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private static readonly AwsRequestSigner SuiteSigner = new("service", "us-east-1");

    [Fact]
    public void Sign_GetVanilla_MatchesTheSuite()
    {
        // Suite case "get-vanilla": GET / with Host and X-Amz-Date only.
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        SuiteSigner.Sign(request, [], new ImmutableCredentials(SuiteAccessKey, SuiteSecretKey, null), SuiteTime);

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            Header(request, "Authorization"));
        Assert.Equal("20150830T123600Z", Header(request, "X-Amz-Date"));
        Assert.False(request.Headers.Contains("X-Amz-Security-Token"));
    }

    [Fact]
    public void Sign_PostXWwwFormUrlencoded_MatchesTheSuite()
    {
        // Suite case "post-x-www-form-urlencoded": a body and a Content-Type, so the payload hash counts.
        byte[] body = "Param1=value1"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");

        SuiteSigner.Sign(request, body, new ImmutableCredentials(SuiteAccessKey, SuiteSecretKey, null), SuiteTime);

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            Header(request, "Authorization"));
    }

    [Fact]
    public void Sign_GetVanillaWithSessionToken_SendsAndSignsTheToken()
    {
        // Suite case "get-vanilla-with-session-token": the signer adds X-Amz-Security-Token from the credentials.
        const string token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        SuiteSigner.Sign(request, [], new ImmutableCredentials(SuiteAccessKey, SuiteSecretKey, token), SuiteTime);

        Assert.Equal(token, Header(request, "X-Amz-Security-Token"));
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
            Header(request, "Authorization"));
    }

    [Fact]
    public void Sign_WithANonDefaultPort_SignsTheHostWithItsPort()
    {
        // What HttpClient sends as Host for an emulator URL; signing the bare host would break real verification.
        using var withPort = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:8005/");
        using var withoutPort = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
        var credentials = new ImmutableCredentials(SuiteAccessKey, SuiteSecretKey, null);

        SuiteSigner.Sign(withPort, [], credentials, SuiteTime);
        SuiteSigner.Sign(withoutPort, [], credentials, SuiteTime);

        Assert.NotEqual(Header(withPort, "Authorization"), Header(withoutPort, "Authorization"));
    }

    [Fact]
    public void Sign_WithLocalTime_Throws()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        Assert.Throws<ArgumentException>(() => SuiteSigner.Sign(
            request, [], new ImmutableCredentials(SuiteAccessKey, SuiteSecretKey, null), DateTime.SpecifyKind(SuiteTime, DateTimeKind.Local)));
    }

    private static string Header(HttpRequestMessage request, string name) =>
        string.Join(",", request.Headers.GetValues(name));
}
