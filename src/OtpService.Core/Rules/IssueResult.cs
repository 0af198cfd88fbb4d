namespace OtpService.Core.Rules;

/// <summary>What <see cref="IOtpStore.TryIssueAsync"/> did.</summary>
public enum IssueResult
{
    Issued,
    /// <summary>Another request changed the address record first; re-read and decide again.</summary>
    Conflict,
}
