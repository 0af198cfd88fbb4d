namespace OtpService.Core.Rules;

/// <summary>
/// One count in a window record, made in the same all-or-nothing write as an address record's
/// write where the store has transactions (<see cref="IOtpStore.CountsInTransactions"/>). The
/// fields mean what <see cref="IOtpStore.TryCountAsync"/>'s arguments of the same names mean.
/// </summary>
/// <param name="Window">The window record.</param>
/// <param name="Counter">The counter in it.</param>
/// <param name="Token">The request's <see cref="IdempotencyToken"/> (counted once however often sent).</param>
/// <param name="Limit">At most this many tokens in the counter.</param>
/// <param name="Member">A member to add to the window's set (a client's address tag), or null.</param>
/// <param name="MemberLimit">At most this many members in the set.</param>
/// <param name="KeepUntil">The window record's TTL, Unix seconds.</param>
public sealed record WindowCount(WindowKey Window, WindowCounter Counter, string Token, int Limit, string? Member, int MemberLimit, long KeepUntil);
