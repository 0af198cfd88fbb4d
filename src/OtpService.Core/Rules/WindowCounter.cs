namespace OtpService.Core.Rules;

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
