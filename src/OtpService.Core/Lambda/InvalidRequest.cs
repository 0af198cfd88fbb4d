namespace OtpService.Core.Lambda;

/// <summary>
/// A request the service refuses, naming the field and the reason (answered as 400
/// invalid_request). <paramref name="Reason"/> is in words for people; <paramref name="Detail"/>,
/// when given, is the technical reason, for the log line's note only.
/// </summary>
public sealed record InvalidRequest(string Field, string Reason, string? Detail = null)
{
    public string Message => $"{Field} {Reason}";
}
