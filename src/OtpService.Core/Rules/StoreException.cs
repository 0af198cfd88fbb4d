namespace OtpService.Core.Rules;

/// <summary>
/// A storage call failed. The message names the store's error type and status only, never a key or
/// an item. <see cref="StoreUnavailableException"/> may pass; <see cref="StoreConfigurationException"/> will not.
/// </summary>
public abstract class StoreException(string message, Exception? inner, string? errorType) : Exception(message, inner)
{
    /// <summary>The store's error code (e.g. <c>ResourceNotFoundException</c>), or the client-side failure's type name.</summary>
    public string ErrorType { get; } = errorType ?? inner?.GetType().Name ?? "Unknown";
}
