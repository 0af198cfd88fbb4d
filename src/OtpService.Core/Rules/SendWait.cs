
namespace OtpService.Core.Rules;

/// <summary>A send refused for now: whole seconds to wait (at least one) and the limit that says so.</summary>
public readonly record struct SendWait(int Seconds, SendLimit Limit);
