namespace OtpService.Core.Lambda;

/// <summary>One name=value pair of a query string or form body, decoded.</summary>
/// <param name="Name">The decoded name; what could not be decoded is U+FFFD.</param>
/// <param name="Value">The decoded value ("" when the pair has no '='); what could not be decoded is U+FFFD.</param>
/// <param name="NameFault">Why the name could not be decoded (a reason that follows the part's name), or null.</param>
/// <param name="ValueFault">Why the value could not be decoded, or null.</param>
public sealed record FormPair(string Name, string Value, string? NameFault, string? ValueFault);
