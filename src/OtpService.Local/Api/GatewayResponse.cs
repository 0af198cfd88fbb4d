namespace OtpService.Local.Api;

/// <summary>
/// One customised gateway response as template.yaml declares it (SAM's <c>GatewayResponses</c>
/// entry: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html),
/// its values already evaluated: header values unquoted (a null value, <c>AWS::NoValue</c>, is no
/// header), the <c>application/json</c> body template, and the status code when it overrides the type's.
/// </summary>
internal sealed record GatewayResponse(int? StatusCode, IReadOnlyDictionary<string, string> Headers, string? JsonTemplate);
