
namespace OtpService.Core.Rules;

/// <summary>Which of an address's limits makes a send wait.</summary>
public enum SendLimit
{
    /// <summary>A code was sent to the address less than <see cref="OtpSettings.ResendCooldownSeconds"/> ago.</summary>
    Cooldown,

    /// <summary>The address's send bucket (<see cref="OtpSettings.MaxSendsPerHour"/>) is empty.</summary>
    Address,

    /// <summary>This client's share of the address's sends (<see cref="OtpSettings.ClientMaxSendsPerAddressPerHour"/>) is spent.</summary>
    ClientShare,
}
