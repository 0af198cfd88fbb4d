namespace OtpService.Core.Lambda;

/// <summary>The Runtime API answered in a way the runtime cannot go on from (a 5xx is "non-recoverable: exit").</summary>
public sealed class RuntimeApiException : Exception
{
    public RuntimeApiException()
    {
    }

    public RuntimeApiException(string message)
        : base(message)
    {
    }

    public RuntimeApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
