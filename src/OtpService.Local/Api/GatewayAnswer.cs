namespace OtpService.Local.Api;

/// <summary>An answer API Gateway gives itself: status, headers, JSON body.</summary>
internal sealed record GatewayAnswer(int StatusCode, IReadOnlyDictionary<string, string> Headers, string Body);
