namespace OtpService.Core.Rules;

/// <summary>
/// Storage refused the call because the deployment is wrong (missing table, access denied, an
/// invalid request, bad credentials); retrying cannot help until an operator acts (answered 500).
/// </summary>
public sealed class StoreConfigurationException(string message, Exception? inner = null, string? errorType = null)
    : StoreException(message, inner, errorType);
