namespace OtpService.Local.Streams;

internal sealed class SequenceRange
{
    public string? StartingSequenceNumber { get; set; }

    public string? EndingSequenceNumber { get; set; }
}
