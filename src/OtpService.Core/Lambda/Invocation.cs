namespace OtpService.Core.Lambda;

/// <summary>One event from <c>GET /runtime/invocation/next</c> and the <c>Lambda-Runtime-*</c> headers that came with it.</summary>
/// <param name="RequestId">Lambda-Runtime-Aws-Request-Id: where the answer goes.</param>
/// <param name="Payload">The event, as Lambda sent it (JSON).</param>
/// <param name="Deadline">Lambda-Runtime-Deadline-Ms: when Lambda ends the invocation; null when absent.</param>
/// <param name="TraceId">Lambda-Runtime-Trace-Id: the X-Ray trace header; null when absent.</param>
/// <param name="InvokedFunctionArn">Lambda-Runtime-Invoked-Function-Arn.</param>
public sealed record Invocation(
    string RequestId,
    byte[] Payload,
    DateTimeOffset? Deadline,
    string? TraceId,
    string? InvokedFunctionArn);
