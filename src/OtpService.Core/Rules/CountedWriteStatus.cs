namespace OtpService.Core.Rules;

/// <summary>What a record write made together with a <see cref="WindowCount"/> did.</summary>
public enum CountedWriteStatus
{
    /// <summary>Both applied (or an earlier send of the same request's token had).</summary>
    Applied,

    /// <summary>The window had no room: nothing was written. Takes precedence over <see cref="Conflict"/>.</summary>
    WindowFull,

    /// <summary>The record's condition failed (another request changed it first): nothing was written; re-read and decide again.</summary>
    Conflict,
}
