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
        Func<RequestFields, CancellationToken, Task<ApiResponse>> action,
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
        Func<ApiGatewayRequest, RequestFields, CancellationToken, Task<ApiResponse>> action,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(clock);
        var started = clock.GetTimestamp();
        using var deadline = budget.Start(clock);
        // Lambda's handlers pass no token of their own: then the deadline's is the call's, with no linked source to make.
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token) : null;
        var token = linked?.Token ?? deadline.Token;
        ApiGatewayRequest? request = null;
        RequestFields? fields = null;
        string? error = null;
        string? errorType = null;
        var deadlineExceeded = false;
        var configurationError = false;
        ApiResponse response;
        try
        {
            (request, var invalid) = await LambdaJson.ReadAsync(input, ReaderFor(settings).Reader, token).ConfigureAwait(false);
            fields = request is null ? null : RequestFields.TryRead(request, out invalid);
            response = (request, fields) switch
            {
                (null, _) or (_, null) => ApiResponses.Invalid(invalid!),
                // WaitAsync: the answer leaves at the deadline even if a call ignored the token.
                _ => await action(request, fields, token).WaitAsync(token).ConfigureAwait(false),
            };
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            // Answer ourselves rather than let Lambda time out (API Gateway would answer 502, with no log line).
            response = ApiResponses.Unavailable;
            deadlineExceeded = true;
            errorType = "DeadlineExceeded";
            error = string.Create(CultureInfo.InvariantCulture, $"No answer within the invocation's budget of {budget.Budget.TotalSeconds:0.###} s (function timeout {settings.FunctionTimeoutSeconds} s).");
        }
        catch (DependencyException e)
        {
            // Transient (the table, KMS or a key store is down, slow or throttling; a key not read yet): 503 with Retry-After.
            // Otherwise the deployment is wrong (missing table, key or secret, access denied, a value that is no key): 500, counted.
            response = e.IsTransient ? ApiResponses.Unavailable : ApiResponses.InternalError;
            configurationError = !e.IsTransient;
            (error, errorType) = (e.Message, e.ErrorType);
        }
#pragma warning disable CA1031 // The boundary: whatever failed, the caller gets a clean 500 and the log gets the type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            response = ApiResponses.InternalError;
            errorType = e.GetType().FullName;
        }

        log.Write(response.StatusCode >= 500 ? "ERROR" : "INFO",
        [
            new("requestId", request?.RequestContext?.RequestId),
            new("route", route),
            new("method", request?.Method),
            new("outcome", response.Body.Status),
            new("httpStatus", response.StatusCode),
            new("limit", response.Limit),
            new("note", response.Note),
            new("address", InvocationLog.MaskAddress(fields?[OtpFields.EmailAddress])),
            new("errorType", errorType),
            new("error", error),
            new("durationMs", clock.GetElapsedTime(started).TotalMilliseconds),
        ]);
        List<KeyValuePair<Metric, int>> counts = [new(MetricNames.ForApiStatus(response.Body.Status), 1)];
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

        return response.WriteResponse(settings.CorsAllowedOrigin);
    }

    // The last reader made: a function has one set of settings, so this is made once per container.
    private static LeanApiEventReader? _reader;

    /// <summary>The event reader keeping the headers <paramref name="settings"/> names (the client-IP header).</summary>
    private static LeanApiEventReader ReaderFor(OtpSettings settings)
    {
        var reader = _reader;
        if (reader is null || !string.Equals(reader.ClientIpHeader, settings.ClientIpHeader, StringComparison.Ordinal))
        {
            reader = new LeanApiEventReader(settings.ClientIpHeader);
            _reader = reader;
        }

        return reader;
    }
}
