using System.Globalization;

namespace OtpService.Core.Rules;

/// <summary>
/// How many members a limiter window fits in one DynamoDB item. A window counts by sets (README
/// "Storage"): a client's holds one <see cref="IdempotencyToken"/> per counted request and failed
/// verification and one <see cref="ClientTagger.Address"/> tag per address asked for; the global
/// budget's one token per code sent. A set member costs its UTF-8 length, and an item may hold
/// <see cref="ItemLimitBytes"/> (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html;
/// dynalite computes it the same way). A limit whose full window would not fit fails every counting
/// write once the window grows past the item limit (a ValidationException, answered 500), so
/// The Lambda layer's configuration read refuses such limits at cold start instead.
/// </summary>
public static class WindowCapacity
{
    /// <summary>DynamoDB's largest item: 400 KB, attribute names and values together.</summary>
    public const int ItemLimitBytes = 400 * 1024;

    /// <summary>
    /// A bound on everything in a window item but its set members: the key (<c>email_id</c> and
    /// <c>client#</c> with a 23-character tag), <c>EXPIRATION_TIME</c> and <c>DELETE_AFTER</c> with their
    /// 10-digit numbers, and the sets' attribute names; about 130 bytes, checked against the table's
    /// real names in the storage tests.
    /// </summary>
    public const int OverheadBytes = 1024;

    /// <summary>Bytes of one counted request, failure or send (an idempotency token).</summary>
    public const int TokenBytes = IdempotencyToken.Length;

    /// <summary>Bytes of one address a client asked for (an address tag).</summary>
    public const int AddressTagBytes = ClientTagger.AddressTagLength;

    /// <summary>The most tokens one window item can hold with nothing else in its sets: 51,072.</summary>
    public const int MaxTokens = (ItemLimitBytes - OverheadBytes) / TokenBytes;

    /// <summary>The size, at most, of a client window full at these limits.</summary>
    public static long ClientWindowBytes(int maxRequests, int maxFailures, int maxAddresses) =>
        OverheadBytes + ((long)maxRequests + maxFailures) * TokenBytes + (long)maxAddresses * AddressTagBytes;

    /// <summary>The most requests and failures together a client window can hold beside <paramref name="maxAddresses"/> address tags.</summary>
    public static int MaxClientTokens(int maxAddresses) =>
        (int)Math.Max(0, (ItemLimitBytes - OverheadBytes - (long)maxAddresses * AddressTagBytes) / TokenBytes);

    /// <summary>
    /// Null when a client window full at these limits fits an item, else the reason, naming the
    /// three variables, their values, the item's size and the largest sum that fits.
    /// </summary>
    public static string? ClientWindowProblem(int maxRequests, int maxFailures, int maxAddresses)
    {
        var bytes = ClientWindowBytes(maxRequests, maxFailures, maxAddresses);
        return bytes <= ItemLimitBytes
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"OTP_CLIENT_MAX_REQUESTS_PER_HOUR ({maxRequests}) and OTP_CLIENT_MAX_FAILURES_PER_HOUR ({maxFailures}) together put {(long)maxRequests + maxFailures:N0} "
                + $"idempotency tokens in one client's hourly window, beside OTP_CLIENT_MAX_ADDRESSES_PER_HOUR ({maxAddresses}) address tags: an item of up to "
                + $"{bytes:N0} bytes, over DynamoDB's {ItemLimitBytes:N0}-byte item limit. Keep the two limits' sum at most {MaxClientTokens(maxAddresses):N0} "
                + $"at this address limit (README \"Storage\").");
    }
}
