namespace OtpService.Local.Streams;

internal sealed class StreamSummary
{
    public string? StreamArn { get; set; }
}
