namespace OtpService.Core.Rules;

/// <summary>What <see cref="IOtpStore.TryIssueAsync"/> did.</summary>
public enum IssueResult
{
    Issued,
    /// <summary>Another request changed the address record first; re-read and decide again.</summary>
    Conflict,

    /// <summary>
    /// <see cref="IOtpStore.TryIssueCountedAsync"/> only: the client's window had no room for the
    /// request, so nothing was written.
    /// </summary>
    WindowFull,
}
