namespace OtpService.Core.Otp;

/// <summary>Normalizes and checks an address as a caller typed it: trimmed, lower-cased, plausible.</summary>
public static class EmailAddress
{
    public const int MaxLength = 254;
    public const int MaxLocalPartLength = 64;

    /// <summary>Returns the normalized address, or null with <paramref name="reason"/> saying what is wrong.</summary>
    public static string? TryNormalize(string? raw, out string reason)
    {
        var address = raw?.Trim().ToLowerInvariant();
        reason = address switch
        {
            null or "" => "is required",
            { Length: > MaxLength } => $"is longer than {MaxLength} characters",
            _ when address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) => "must not contain spaces, line breaks or control characters",
            _ when address.Count(c => c == '@') != 1 => "must contain exactly one '@'",
            _ => CheckParts(address),
        };
        return reason.Length == 0 ? address : null;
    }

    private static string CheckParts(string address)
    {
        var at = address.IndexOf('@', StringComparison.Ordinal);
        var local = address[..at];
        var domain = address[(at + 1)..];
        if (local.Length == 0)
        {
            return "has nothing before the '@'";
        }

        if (local.Length > MaxLocalPartLength)
        {
            return $"has more than {MaxLocalPartLength} characters before the '@'";
        }

        if (!domain.Contains('.', StringComparison.Ordinal) || domain.Split('.').Any(label => label.Length == 0))
        {
            return "must have a domain with a dot, like example.com";
        }

        return "";
    }
}
