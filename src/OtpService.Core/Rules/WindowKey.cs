namespace OtpService.Core.Rules;

/// <summary>A counter that lives in one fixed time window, under a key that can never be an address (no '@').</summary>
/// <param name="Key">The partition key, e.g. "client#" plus a client tag.</param>
/// <param name="WindowEnd">Unix seconds at which the window closes (the item's EXPIRATION_TIME).</param>
public readonly record struct WindowKey(string Key, long WindowEnd);
