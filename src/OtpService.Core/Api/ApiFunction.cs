using System.Diagnostics;
using System.Text.Json;
using OtpService.Core.Contracts;
using OtpService.Core.Logging;
using OtpService.Core.Otp;
using OtpService.Core.Ports;

namespace OtpService.Core.Api;

/// <summary>
/// The shared body of the API handlers: parse the API Gateway event, run the route's action,
/// shape the proxy response, log one line. Bad input is a 400, storage or signing trouble a 503,
/// anything else a 500; no answer carries internals.
/// </summary>
public static class ApiFunction
{
    public static Task<Stream> HandleAsync(
        Stream input,
        string route,
        InvocationLog log,
        OtpSettings settings,
        Func<RequestFields, CancellationToken, Task<ApiAnswer>> action,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return HandleAsync(input, route, log, settings, (_, fields, token) => action(fields, token), cancellationToken);
    }

    /// <summary>As above, for an action that also reads the event itself (its route, its API's domain name).</summary>
    public static async Task<Stream> HandleAsync(
        Stream input,
        string route,
        InvocationLog log,
        OtpSettings settings,
        Func<ApiGatewayRequest, RequestFields, CancellationToken, Task<ApiAnswer>> action,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(action);
        var started = Stopwatch.GetTimestamp();
        ApiGatewayRequest? request = null;
        RequestFields? fields = null;
        string? error = null;
        ApiAnswer answer;
        try
        {
            request = await LambdaJson.ReadAsync(input, LambdaJsonContext.Default.ApiGatewayRequest, cancellationToken).ConfigureAwait(false);
            InvalidRequest? invalid = null;
            fields = request is null ? null : RequestFields.TryRead(request, out invalid);
            answer = (request, fields) switch
            {
                (null, _) => ApiAnswers.Invalid(new InvalidRequest("event", "is not an API Gateway proxy event")),
                (_, null) => ApiAnswers.Invalid(invalid!),
                _ => await action(request, fields, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception e) when (e is StoreUnavailableException or TokenSigningUnavailableException)
        {
            answer = ApiAnswers.Unavailable;
            error = e.Message;
        }
#pragma warning disable CA1031 // The boundary: whatever failed, the caller gets a clean 500 and the log gets the type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            answer = ApiAnswers.InternalError;
            error = e.GetType().FullName;
        }

        log.Write(answer.StatusCode >= 500 ? "ERROR" : "INFO",
        [
            new("requestId", request?.RequestContext?.RequestId),
            new("route", route),
            new("method", request?.Method),
            new("outcome", answer.Body.Status),
            new("httpStatus", answer.StatusCode),
            new("limit", answer.Limit),
            new("note", answer.Note),
            new("address", InvocationLog.MaskAddress(fields?[OtpFields.EmailAddress])),
            new("error", error),
            new("durationMs", Stopwatch.GetElapsedTime(started).TotalMilliseconds),
        ]);

        return LambdaJson.Write(answer.ToResponse(settings.CorsAllowedOrigin), LambdaJsonContext.Default.ApiGatewayResponse);
    }
}
