namespace OtpService.Core.Rules;

/// <summary>A counter that lives in one fixed time window, under a key that can never be an address (no '@').</summary>
/// <param name="Key">The partition key, e.g. "client#" plus a client tag.</param>
/// <param name="WindowEnd">Unix seconds at which the window closes (the item's EXPIRATION_TIME).</param>
public readonly record struct WindowKey(string Key, long WindowEnd);

/// <summary>Which count of a window record.</summary>
public enum WindowCounter
{
    /// <summary>Codes a client requested.</summary>
    Requests,

    /// <summary>Verifications of a client that did not succeed.</summary>
    Failures,

    /// <summary>Codes issued across all addresses (the global budget).</summary>
    Sends,
}
