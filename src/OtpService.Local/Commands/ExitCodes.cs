namespace OtpService.Local.Commands;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int PortInUse = 3;

    /// <summary>A service the runner depends on (an emulator, an endpoint) went away while it ran.</summary>
    public const int ServiceDown = 4;
}
