namespace OtpService.Core.Rules;

public enum VerifyStatus
{
    Verified,
    WrongCode,
    Expired,
    NotFound,
    AlreadyUsed,

    /// <summary>A genuine code from an earlier mail of the address, superseded by a newer one; not counted as a wrong guess.</summary>
    Superseded,

    /// <summary>The verification id given is not the newest code's: another request asked for a code since (or the id is not this address's).</summary>
    VerificationIdMismatch,

    /// <summary>This client's tries at this code are used up, or all clients' together are.</summary>
    TooManyAttempts,

    /// <summary>This client failed too many verifications this hour (any address).</summary>
    ClientLimited,
}
