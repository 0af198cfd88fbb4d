namespace OtpService.Core.Lambda;

/// <summary>
/// <c>_HANDLER</c> names no function this process serves (reported as <c>Runtime.NoSuchHandler</c>).
/// Its own type, not ArgumentException: that one appends "(Parameter '...')", which a Native AOT
/// build with UseSystemResourceKeys prints as a raw resource key.
/// </summary>
public sealed class UnknownHandlerException : Exception
{
    public UnknownHandlerException()
    {
    }

    public UnknownHandlerException(string message)
        : base(message)
    {
    }

    public UnknownHandlerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
