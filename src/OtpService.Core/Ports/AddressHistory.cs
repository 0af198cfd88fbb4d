namespace OtpService.Core.Ports;

/// <summary>
/// What the rules know about an address: its recent codes (newest first) and its address
/// record, which holds the recent send times and a version that every issue bumps.
/// </summary>
public sealed record AddressHistory(IReadOnlyList<StoredCode> Codes, IReadOnlyList<long> SentAt, long Version)
{
    public static readonly AddressHistory Empty = new([], [], 0);
    public StoredCode? Newest => Codes.Count > 0 ? Codes[0] : null;
}
