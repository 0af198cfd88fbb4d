namespace OtpService.Core.Ports;

/// <summary>Storage could not be reached or refused the call; the request may be retried later.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
