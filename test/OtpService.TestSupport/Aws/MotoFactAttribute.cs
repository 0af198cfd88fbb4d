using Xunit;

namespace OtpService.Tests.Integration;

/// <summary>A fact that needs moto's server; skipped, with the reason and how to install it, where moto is missing.</summary>
public sealed class MotoFactAttribute : FactAttribute
{
    public MotoFactAttribute()
    {
        if (MotoServer.WhyUnavailable is { } why)
        {
            Skip = why;
        }
    }
}
