using System.Text;

namespace OtpService.Benchmarks;

/// <summary>
/// API Gateway REST (v1) proxy events as API Gateway sends them: every header CloudFront and
/// API Gateway add, both header maps, the request context. A full-size event, so parsing cost
/// is what a deployed function pays, not that of a trimmed-down test event.
/// </summary>
internal static class SampleEvents
{
    public static byte[] Generate(string address) => Build("/otp/generate", $"\"email_address\": \"{address}\"", $"\"email_address\": [\"{address}\"]");

    public static byte[] Verify(string address, string code) => Build(
        "/otp/verify",
        $"\"email_address\": \"{address}\", \"otp\": \"{code}\"",
        $"\"email_address\": [\"{address}\"], \"otp\": [\"{code}\"]");

    private static byte[] Build(string path, string query, string multiQuery) => Encoding.UTF8.GetBytes($$"""
        {
          "resource": "{{path}}",
          "path": "{{path}}",
          "httpMethod": "GET",
          "headers": {
            "Accept": "application/json",
            "CloudFront-Forwarded-Proto": "https",
            "CloudFront-Is-Desktop-Viewer": "true",
            "CloudFront-Is-Mobile-Viewer": "false",
            "CloudFront-Is-SmartTV-Viewer": "false",
            "CloudFront-Is-Tablet-Viewer": "false",
            "CloudFront-Viewer-Country": "US",
            "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            "User-Agent": "curl/8.5.0",
            "Via": "2.0 3f6b8a1c2d4e5f60718293a4b5c6d7e8.cloudfront.net (CloudFront)",
            "X-Amz-Cf-Id": "kXc0eq0ZUlR-h3cJmSmC0g9u8XTzkZ5PCtm1LjEXAMPLE==",
            "X-Amzn-Trace-Id": "Root=1-67d1dc9e-0123456789abcdef01234567",
            "X-Forwarded-For": "203.0.113.10, 198.51.100.7",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https"
          },
          "multiValueHeaders": {
            "Accept": ["application/json"],
            "CloudFront-Forwarded-Proto": ["https"],
            "CloudFront-Is-Desktop-Viewer": ["true"],
            "CloudFront-Is-Mobile-Viewer": ["false"],
            "CloudFront-Is-SmartTV-Viewer": ["false"],
            "CloudFront-Is-Tablet-Viewer": ["false"],
            "CloudFront-Viewer-Country": ["US"],
            "Host": ["a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"],
            "User-Agent": ["curl/8.5.0"],
            "Via": ["2.0 3f6b8a1c2d4e5f60718293a4b5c6d7e8.cloudfront.net (CloudFront)"],
            "X-Amz-Cf-Id": ["kXc0eq0ZUlR-h3cJmSmC0g9u8XTzkZ5PCtm1LjEXAMPLE=="],
            "X-Amzn-Trace-Id": ["Root=1-67d1dc9e-0123456789abcdef01234567"],
            "X-Forwarded-For": ["203.0.113.10, 198.51.100.7"],
            "X-Forwarded-Port": ["443"],
            "X-Forwarded-Proto": ["https"]
          },
          "queryStringParameters": { {{query}} },
          "multiValueQueryStringParameters": { {{multiQuery}} },
          "pathParameters": null,
          "stageVariables": null,
          "requestContext": {
            "resourceId": "x1y2z3",
            "resourcePath": "{{path}}",
            "httpMethod": "GET",
            "extendedRequestId": "HBl0yGZ3IAMF3Zw=",
            "requestTime": "12/Mar/2025:19:03:58 +0000",
            "path": "/Prod{{path}}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "Prod",
            "domainPrefix": "a1b2c3d4e5",
            "requestTimeEpoch": 1741806238000,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {
              "cognitoIdentityPoolId": null,
              "accountId": null,
              "cognitoIdentityId": null,
              "caller": null,
              "sourceIp": "203.0.113.10",
              "principalOrgId": null,
              "accessKey": null,
              "cognitoAuthenticationType": null,
              "cognitoAuthenticationProvider": null,
              "userArn": null,
              "userAgent": "curl/8.5.0",
              "user": null
            },
            "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            "deploymentId": "k9l8m7",
            "apiId": "a1b2c3d4e5"
          },
          "body": null,
          "isBase64Encoded": false
        }
        """);
}
