using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OtpService.Core.Rules;

namespace OtpService.Core.Lambda;

/// <summary>
/// The shared body of the API handlers: parse the API Gateway event, run the route's action within
/// the invocation's budget, shape the proxy response, log one line and count the outcome (EMF).
/// Bad input is a 400; storage, signing or a key store that is down, throttled or too slow, or a
/// budget used up, a 503 with Retry-After; a configuration error (storage, signing, key store) or
/// anything else a 500. No answer carries internals.
/// </summary>
public static class ApiFunction
{
    /// <summary>Runs <paramref name="action"/> for one API event within <paramref name="budget"/> (built once, at init), its deadline on <paramref name="clock"/> (the function's one clock).</summary>
    public static Task<Stream> HandleAsync(
        Stream input,
        string route,
        InvocationLog log,
        OtpSettings settings,
        InvocationBudget budget,
        TimeProvider clock,
        Func<RequestFields, CancellationToken, Task<ApiAnswer>> action,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return HandleAsync(input, route, log, settings, budget, clock, (_, fields, token) => action(fields, token), cancellationToken);
    }

    /// <summary>As above, for an action that also reads the event itself (its route, its API's domain name).</summary>
    public static async Task<Stream> HandleAsync(
        Stream input,
        string route,
        InvocationLog log,
        OtpSettings settings,
        InvocationBudget budget,
        TimeProvider clock,
        Func<ApiGatewayRequest, RequestFields, CancellationToken, Task<ApiAnswer>> action,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(action);
        var started = Stopwatch.GetTimestamp();
        ArgumentNullException.ThrowIfNull(clock);
        using var deadline = budget.Start(clock);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        ApiGatewayRequest? request = null;
        RequestFields? fields = null;
        string? error = null;
        string? errorType = null;
        var deadlineExceeded = false;
        var configurationError = false;
        ApiAnswer answer;
        try
        {
            (request, var invalid) = await LambdaJson.ReadAsync(input, ApiEventReader.Read, cancellation.Token).ConfigureAwait(false);
            fields = request is null ? null : RequestFields.TryRead(request, out invalid);
            answer = (request, fields) switch
            {
                (null, _) or (_, null) => ApiAnswers.Invalid(invalid!),
                // WaitAsync: the answer leaves at the deadline even if a call ignored the token.
                _ => await action(request, fields, cancellation.Token).WaitAsync(cancellation.Token).ConfigureAwait(false),
            };
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            // Answer ourselves rather than let Lambda time out (API Gateway would answer 502, with no log line).
            answer = ApiAnswers.Unavailable;
            deadlineExceeded = true;
            errorType = "DeadlineExceeded";
            error = string.Create(CultureInfo.InvariantCulture, $"No answer within the invocation's budget of {budget.Budget.TotalSeconds:0.###} s (function timeout {settings.FunctionTimeoutSeconds} s).");
        }
        catch (DependencyException e)
        {
            // Transient (the table, KMS or a key store is down, slow or throttling; a key not read yet): 503 with Retry-After.
            // Otherwise the deployment is wrong (missing table, key or secret, access denied, a value that is no key): 500, counted.
            answer = e.IsTransient ? ApiAnswers.Unavailable : ApiAnswers.InternalError;
            configurationError = !e.IsTransient;
            (error, errorType) = (e.Message, e.ErrorType);
        }
#pragma warning disable CA1031 // The boundary: whatever failed, the caller gets a clean 500 and the log gets the type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            answer = ApiAnswers.InternalError;
            errorType = e.GetType().FullName;
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
            new("errorType", errorType),
            new("error", error),
            new("durationMs", Stopwatch.GetElapsedTime(started).TotalMilliseconds),
        ]);
        List<KeyValuePair<Metric, int>> counts = [new(MetricNames.ForApiStatus(answer.Body.Status), 1)];
        if (deadlineExceeded)
        {
            counts.Add(new(Metric.DeadlineExceeded, 1));
        }

        if (configurationError)
        {
            // A dependency refused because the deployment is wrong: an operator must act (alarmed on).
            counts.Add(new(Metric.ConfigurationErrors, 1));
        }

        log.WriteMetrics(counts);

        return LambdaJson.Write(answer.ToResponse(settings.CorsAllowedOrigin), LambdaJsonContext.Default.ApiGatewayResponse);
    }
}
