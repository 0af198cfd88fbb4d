namespace OtpService.Core.Rules;

/// <summary>Storage could not be reached, throttled us or failed on its side; the request may be retried later (answered 503).</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null, string? errorType = null)
    : StoreException(message, inner, errorType);
